"""An objection said in place of an answer is no answer: it is answered, and the question asked again."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nurture_engine.domain import ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.normalize import normalise
from nurture_engine.objections import is_objection

NOW = datetime(2026, 11, 29, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", [
    "it's too expensive for us", "that's too pricey", "hmm, way too expensive", "we can't afford it",
    "over our budget", "honestly it's a bit pricey for a small team", "Your pricing is too high", "that's too much",
    "we already use Clari", "we're already using HubSpot", "we use gong already", "I already have a tool for that",
    "we are currently on salesforce", "well we're happy with Clari",
])
def test_an_objection_and_nothing_else_is_one(text: str) -> None:
    assert is_objection(text)


@pytest.mark.parametrize("text", [
    "we can't afford more than $5k",  # a budget
    "we already use Salesforce but need forecasting",  # a use case
    "I'm already using it and want routing", "we use salesforce", "we need forecasting", "head of sales",
    "is it expensive?", "too expensive? how much for 20 seats", "not expensive at all", "Expensive Solutions Inc",
    "we're happy with the price", "i am happy with that", "we're happy with your answer", "x" * 300 + " too expensive",
])
def test_a_message_that_says_more_is_no_objection(text: str) -> None:
    assert not is_objection(text)


@pytest.mark.parametrize(("field", "text"), [
    (ProfileField.ROLE, "it's too expensive for us"),  # stop 30 stored the role "It's Too Expensive"
    (ProfileField.USE_CASE, "we already use Clari"),  # ... and this as the use case
    (ProfileField.BUDGET, "way over our budget"),
    (ProfileField.COMPANY, "we're using HubSpot already"),
    (ProfileField.EMAIL, "too pricey tbh"),
])
def test_an_objection_is_rejected_as_an_answer(field: ProfileField, text: str) -> None:
    with pytest.raises(InvalidValue) as err:
        normalise(field, text, NOW)
    assert err.value.reason == "objection"


def test_an_answer_that_sounds_like_one_is_kept() -> None:
    assert normalise(ProfileField.BUDGET, "we can't afford more than $5k", NOW)
    assert normalise(ProfileField.USE_CASE, "we already use Salesforce but need forecasting", NOW)
