"""Short answers the business writes for questions the assistant has no intent for ("is there a mobile app?", "can
I import a CSV?"), found by the words they name: without them such a question got "that's outside what I can
help with" (seen by chatting with `make run`).

nurture.yml, optional:

    business:
      faq:
        - words: [mobile app, iphone, android]
          answer: Yes, Pipewise has iOS and Android apps ...

A message naming any of an entry's words (whole words, any case) gets its answer; when several entries match, the
one with the most of its words in the message, the first in nurture.yml on a tie. It is looked up for messages the
assistant could not otherwise help with (off-topic, placed nowhere, a question put back to a profile question) and
in place of the general features, integrations and content answers (`actions/answers.py`, FAQ_FIRST); pricing, privacy,
onboarding and a named integration keep their own answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .connectors import named
from .errors import ConfigError, reject_unknown_keys

MAX_ENTRIES = 100
MAX_ANSWER_CHARS = 1000
"""A chat answer, not a page: longer belongs behind a link in the content library."""
_EXAMPLE = "[{words: [mobile app, iphone], answer: Yes, ...}]"


@dataclass(frozen=True)
class FaqEntry:
    words: tuple[str, ...]
    answer: str


def parse_faq(raw: Any) -> tuple[FaqEntry, ...]:
    """`business.faq` from nurture.yml; anything else than a list of {words, answer} is refused with the form."""
    if not isinstance(raw, list):
        raise ConfigError(f"nurture.yml: business.faq must be a list like {_EXAMPLE}; got {raw!r:.80}")
    if len(raw) > MAX_ENTRIES:
        raise ConfigError(f"nurture.yml: business.faq has {len(raw)} entries; at most {MAX_ENTRIES}")
    return tuple(_entry(i, item) for i, item in enumerate(raw))


def _entry(index: int, item: Any) -> FaqEntry:
    where = f"business.faq[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"nurture.yml: {where} must be a mapping with words and answer; got {item!r:.80}")
    reject_unknown_keys(where, item, {"words", "answer"})
    words, answer = item.get("words"), item.get("answer")
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w.strip() for w in words):
        raise ConfigError(f"nurture.yml: {where}.words must be a non-empty list of words or phrases, like "
                          f"[mobile app, iphone]; got {words!r:.80}")
    if not isinstance(answer, str) or not answer.strip():
        raise ConfigError(f"nurture.yml: {where}.answer must be a non-empty text; got {answer!r:.80}")
    answer = " ".join(answer.split())
    if len(answer) > MAX_ANSWER_CHARS:
        raise ConfigError(f"nurture.yml: {where}.answer has {len(answer)} characters; at most {MAX_ANSWER_CHARS}")
    return FaqEntry(words=tuple(" ".join(w.split()) for w in words), answer=answer)


def answer_for(text: str, entries: Sequence[FaqEntry]) -> FaqEntry | None:
    """The entry the message asks about, or None when it names no entry's words. On a tie of words named, the entry
    whose words say more wins: "is there a discount for startups?" names "discount for startups" of the discounts
    entry and "startups" of the small-teams one, whose "Yes: Pipewise works for teams of any size" it got until
    stop 34."""
    best: FaqEntry | None = None
    best_score = (0, 0)
    for entry in entries:
        found = named(text, entry.words)
        score = (len(found), sum(len(word) for word in found))
        if score > best_score:
            best, best_score = entry, score
    return best
