"""An integration question that names configured tools gets a yes for those; the names are matched as words."""

from __future__ import annotations

import pytest

from nurture_engine.connectors import listed, named
from nurture_engine.testing import test_settings

TOOLS = ("Salesforce", "HubSpot", "Slack", "Microsoft Teams", "Teams", "Gmail")


@pytest.mark.parametrize(("text", "found"), [
    ("do you integrate with HubSpot?", ["HubSpot"]),
    ("does it work with hubspot and SLACK", ["HubSpot", "Slack"]),
    ("can it post to Microsoft   Teams?", ["Microsoft Teams"]),  # the longer name, not also "Teams"
    ("can it post to Teams?", ["Teams"]),
    ("is the team slacking off", []),  # "Slack" only as a word of its own
    ("do you integrate with Zoho CRM?", []),
    ("what integrations do you have?", []),
    ("salesforce.com sync?", ["Salesforce"]),
])
def test_the_tools_a_question_names(text: str, found: list[str]) -> None:
    assert named(text, TOOLS) == found


def test_names_are_listed_as_a_sentence_says_them() -> None:
    assert [listed(["A"]), listed(["A", "B"]), listed(["A", "B", "C"])] == ["A", "A and B", "A, B and C"]


def test_the_shipped_connectors_are_all_in_the_integrations_text() -> None:
    """nurture.yml's connectors are the tools its integrations text names: a yes is never given for a tool the
    full answer does not list."""
    business = test_settings().business
    assert business.connectors and all(name in business.integrations for name in business.connectors)
