"""What a visitor has told us in one conversation, for "what do you know about me?": the right of access, in chat.

Only the facts this conversation gave are shown. A lead merged on a shared email also holds what was said on other
channels, and an email typed here proves nothing about who is typing: showing those facts would hand one person's
profile to anyone who types their address. They stay behind a privacy request, which staff answer after checking
who asks; the reply says that there are some, not what they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .conversation import Conversation
from .domain import FieldValue, Lead, ProfileField

MAX_SHOWN_CHARS = 80
"""A fact longer than this (a use case in the visitor's own words) is cut, with an ellipsis."""


@dataclass(frozen=True, kw_only=True)
class Disclosure:
    facts: tuple[tuple[ProfileField, str], ...] = ()
    """(field, the value as stored, in words) given in this conversation, in the profile's field order."""
    elsewhere: int = 0
    """How many of the lead's facts came from other conversations (not shown)."""


def shown_value(fact: FieldValue) -> str:
    """The stored value as the visitor would recognise it: text as stored, a role's title, and for the other
    structured values (company size, budget, timeline) the words they were given in."""
    value = fact.value
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict) and isinstance(value.get("title"), str):
        text = str(value["title"])
    elif fact.field is ProfileField.COMPANY_SIZE and isinstance(value, dict) and re.search(r"\d", fact.raw):
        text = _head_count(value, fact.raw)
    else:
        text = fact.raw
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN_CHARS else text[:MAX_SHOWN_CHARS - 1].rstrip() + "…"


def _head_count(size: dict[str, object], raw: str) -> str:
    """A company size given in figures, as a head-count: the words of "a 200 person logistics firm" read "company
    size: a 200 person" until stop 33."""
    low, high = size.get("min"), size.get("max")
    if not isinstance(low, int):
        return raw
    about = "about " if re.search(r"\b(?:about|around|roughly|approx\w*|nearly|almost)\b|~", raw, re.I) else ""
    if high is None:
        return f"{about}{low:,}+ people"
    if isinstance(high, int) and high != low:
        return f"{about}{low:,} to {high:,} people"
    return f"{about}{low:,} {'person' if low == 1 else 'people'}"


def disclose(lead: Lead | None, conv: Conversation) -> Disclosure:
    """The facts of `lead` this conversation gave, and how many others it holds. No lead: nothing stored."""
    if lead is None:
        return Disclosure()
    if conv.identity not in lead.identities:  # not this visitor's lead: show nothing, count nothing
        return Disclosure()
    facts = [lead.profile[f] for f in ProfileField if f in lead.profile]
    mine = tuple((fact.field, shown_value(fact)) for fact in facts if fact.conversation_id == conv.sender_id)
    return Disclosure(facts=mine, elsewhere=len(facts) - len(mine))
