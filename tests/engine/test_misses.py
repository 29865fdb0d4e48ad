"""At the second message in a row the assistant cannot help with, it offers a person, once per run of misses."""

from __future__ import annotations

import pytest

from nurture_engine.misses import MissReply, miss_reply, misses_in_a_row


@pytest.mark.parametrize(("missed", "count"), [
    ([], 0),
    ([False, True], 1),
    ([True, True], 2),
    ([True, False, True], 1),  # a message it could help with (a question, an answer) ends the run
    ([False, True, True, True], 3),
])
def test_misses_are_counted_back_from_the_latest_message(missed: list[bool], count: int) -> None:
    assert misses_in_a_row(missed) == count


def test_a_person_is_offered_at_the_second_miss_only() -> None:
    replies = [miss_reply([False] + [True] * n, "out_of_scope") for n in range(4)]
    assert replies == [MissReply.OUT_OF_SCOPE, MissReply.OFFER_PERSON, MissReply.OUT_OF_SCOPE,
                       MissReply.OUT_OF_SCOPE]


def test_a_message_placed_nowhere_is_asked_again_unless_a_person_is_offered() -> None:
    assert miss_reply([False], "nlu_fallback") is MissReply.NOT_UNDERSTOOD
    assert miss_reply([True], "nlu_fallback") is MissReply.OFFER_PERSON
    assert miss_reply([True, False], "nlu_fallback") is MissReply.NOT_UNDERSTOOD


def test_a_clear_question_placed_nowhere_is_not_asked_to_be_rephrased() -> None:
    """"do you have a referral program?" got "could you rephrase?" until stop 30."""
    assert miss_reply([False], "nlu_fallback", question=True) is MissReply.UNANSWERED_QUESTION
    assert miss_reply([True], "nlu_fallback", question=True) is MissReply.OFFER_PERSON
    assert miss_reply([False], "out_of_scope", question=True) is MissReply.OUT_OF_SCOPE  # "what's the weather?"
