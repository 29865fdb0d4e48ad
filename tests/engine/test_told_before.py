""""I already told you what we need last week", said to the use-case question, was stored as the use case, and
"what's your name?" and "who made you?" were out of scope (make run, stop 33)."""

from __future__ import annotations

import pytest

from nurture_engine.domain import ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.faq import answer_for
from nurture_engine.normalize import normalise
from nurture_engine.testing import PROJECT_ROOT, T0, test_settings


@pytest.mark.parametrize("field", [ProfileField.USE_CASE, ProfileField.ROLE, ProfileField.COMPANY, ProfileField.NAME])
@pytest.mark.parametrize("raw", ["I already told you what we need last week", "we already said that",
                                 "I told you before", "I've already explained it", "we have already answered"])
def test_an_answer_given_elsewhere_is_no_answer(field: ProfileField, raw: str) -> None:
    with pytest.raises(InvalidValue) as error:
        normalise(field, raw, T0)
    assert error.value.reason == "told_before"


@pytest.mark.parametrize("raw", ["I told my boss about forecasting", "we explained our process to the board"])
def test_telling_someone_else_is_still_an_answer(raw: str) -> None:
    assert normalise(ProfileField.USE_CASE, raw, T0) == raw


def test_the_domain_says_why_it_asks_again() -> None:
    assert "utter_invalid_told_before:" in (PROJECT_ROOT / "bot" / "domain" / "profiling.yml").read_text()


@pytest.mark.parametrize("question", ["what's your name?", "who made you?", "who built you"])
def test_the_assistant_says_who_it_is(question: str) -> None:
    entry = answer_for(question, test_settings().business.faq)
    assert entry is not None and "Pipewise assistant" in entry.answer
