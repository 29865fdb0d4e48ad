"""Messages the assistant could not help with, in a row: at the second, it offers a person instead of saying the
same "that's outside what I can help with" again ("what's the difference between you and Clari?", "lol", "you're
useless" got that line four times in one conversation until stop 24).

A miss is a user message answered with the miss reply (off-topic, or placed nowhere by the NLU and not taken as an
answer to an open question); any other message of the session ends the run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

OFFER_AT = 2
"""The miss in a row at which a person is offered: once per run of misses, so the offer is not repeated either."""


class MissReply(Enum):
    OUT_OF_SCOPE = "out_of_scope"
    """What the assistant can help with."""
    NOT_UNDERSTOOD = "not_understood"
    """Asked to rephrase (the NLU placed the message nowhere)."""
    OFFER_PERSON = "offer_person"
    """Someone from the team, with a button that asks for them."""
    UNANSWERED_QUESTION = "unanswered_question"
    """A clear question the NLU placed nowhere ("do you have a referral program?"): not one the assistant can
    answer, with where to ask it (until stop 30 it was asked to rephrase a question it could not have answered)."""


def misses_in_a_row(missed: Sequence[bool]) -> int:
    """How many of the latest user messages were misses; `missed`: each message of the session, oldest first."""
    count = 0
    for miss in reversed(missed):
        if not miss:
            break
        count += 1
    return count


def miss_reply(earlier: Sequence[bool], intent: str | None, *, question: bool = False) -> MissReply:
    """The reply to a message the assistant cannot help with. `earlier`: whether each earlier user message of the
    session, oldest first, was a miss; `intent`: the message's (nlu_fallback when the NLU placed it nowhere);
    `question`: whether it is plainly a question put to the assistant."""
    if misses_in_a_row(earlier) + 1 == OFFER_AT:
        return MissReply.OFFER_PERSON
    if intent != "nlu_fallback":
        return MissReply.OUT_OF_SCOPE
    return MissReply.UNANSWERED_QUESTION if question else MissReply.NOT_UNDERSTOOD


_ASKS_TO_ASK = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|actually|um+|hey|hi|hello|wait|sorry)[\s,.!]+)*"
    r"(?:(?:can|could|may)\s+i\s+(?:still\s+|also\s+|just\s+)?ask(?:\s+you)?(?:\s+(?:a|one|another|some|a\s+few))?"
    r"(?:\s+(?:more|quick|other))?\s+(?:questions?|things?|something)|"
    r"i\s+(?:have|got|still\s+have)\s+(?:a|one|another|some|a\s+few)\s+(?:more\s+|quick\s+)?questions?|"
    r"(?:one\s+more|another|a\s+quick|quick)\s+question)"
    r"(?:\s+(?:for\s+you|please|though|first|then))?[\s?!.]*$", re.IGNORECASE)


def asks_to_ask(text: str) -> bool:
    """Whether the message only asks leave to ask something ("actually can I still ask a question?", "quick
    question"): no miss, an invitation to ask (it got "could you rephrase?" until stop 30)."""
    return bool(_ASKS_TO_ASK.match(text[:200]))
