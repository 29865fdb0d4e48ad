"""acknowledge: what is said of a profiling reply besides the re-ask and the next question, for every way the
reply can leave the asked question, with and without other facts kept."""

from __future__ import annotations

from typing import Any

import pytest

from nurture_engine.domain import ProfileField as F
from nurture_engine.profiling import Acknowledgement as A
from nurture_engine.profiling import ProfileTurnResult, acknowledge

ROLE = {"title": "CRO", "seniority": "c_level"}


def result(**kw: Any) -> ProfileTurnResult:
    base: dict[str, Any] = {"slots": {}, "invalid": {}, "refused": None, "next_field": F.ROLE,
                            "asked": (F.USE_CASE, F.ROLE), "refused_in_visit": ()}
    return ProfileTurnResult(**{**base, **kw})


@pytest.mark.parametrize(("case", "kw", "before", "after"), [
    ("answered", {"slots": {F.USE_CASE: "forecasting"}}, None, None),
    ("answered, with facts", {"slots": {F.USE_CASE: "forecasting", F.ROLE: ROLE}}, None, None),
    ("unclear", {"slots": {F.USE_CASE: None}, "invalid": {F.USE_CASE: "unclear"}}, None, None),
    ("unclear, with facts", {"slots": {F.USE_CASE: None, F.ROLE: ROLE}, "invalid": {F.USE_CASE: "unclear"}},
     A.NOTED, None),
    ("facts only, no answer", {"slots": {F.ROLE: ROLE}}, None, A.NOTED),
    ("facts only, another field unclear", {"slots": {F.ROLE: ROLE}, "invalid": {F.EMAIL: "syntax"}}, None, None),
    ("refused", {"refused": F.USE_CASE}, None, A.REFUSAL_OK),
    ("refused, with facts", {"refused": F.USE_CASE, "slots": {F.ROLE: ROLE}}, None, A.REFUSAL_OK),
    ("skipped", {"skipped": F.USE_CASE}, None, A.REFUSAL_OK),
    ("skipped, with facts", {"skipped": F.USE_CASE, "slots": {F.ROLE: ROLE}}, None, A.NOTED_SKIP),
    # until stop 30 "who else uses this?", a second miss, got "No problem, let's skip that one." and no answer
    ("skipped, a question put back", {"skipped": F.USE_CASE, "invalid": {F.USE_CASE: "question"}}, None, None),
    ("skipped, a question with facts", {"skipped": F.USE_CASE, "invalid": {F.USE_CASE: "question"},
                                        "slots": {F.ROLE: ROLE}}, A.NOTED, None),
    ("stopped", {"refused": F.USE_CASE, "stopped": True, "slots": {F.ROLE: ROLE}}, None, A.QUESTIONS_STOPPED),
    ("a cleared slot is no fact", {"slots": {F.ROLE: None}}, None, None),
    ("the name only, no answer", {"slots": {F.NAME: "Maya"}}, None, A.NOTED_NAME),
    ("the name only, unclear", {"slots": {F.USE_CASE: None, F.NAME: "Maya"}, "invalid": {F.USE_CASE: "unclear"}},
     A.NOTED_NAME, None),
    # until stop 28 "Thanks, noted." to "I'm Dana Whitfield, head of growth at Kestrel Labs"
    ("the name and more, no answer", {"slots": {F.NAME: "Maya", F.ROLE: ROLE}}, None, A.NOTED_NAME),
    # until stop 29 nothing to "I'm Tom, the SDR manager" said to the role question: the next question only
    ("answered, with the name", {"slots": {F.USE_CASE: "forecasting", F.NAME: "Maya"}}, None, A.NOTED_NAME),
])
def test_every_way_a_reply_leaves_the_question(case: str, kw: dict[str, Any], before: A | None,
                                                after: A | None) -> None:
    ack = acknowledge(result(**kw), F.USE_CASE)
    assert (ack.before_reask, ack.after) == (before, after), case


def test_nothing_is_acknowledged_when_no_question_was_asked() -> None:
    """The form's first turn: facts that started it are taken, the first question follows (the greeting, if any,
    is the dialogue's)."""
    ack = acknowledge(result(slots={F.ROLE: ROLE}), None)
    assert (ack.before_reask, ack.after) == (None, None)
