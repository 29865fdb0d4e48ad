"""A time the visitor proposes for the call they asked for ("can we do Thursday afternoon?"): until stop 34 it was
"outside what I can help with" and lost. The assistant books nothing itself; the time goes to the team with the
lead (an interaction of kind `meeting_time`, on the dashboard's timeline), and the visitor gets the calendar link to
be sure of it."""

from __future__ import annotations

import re

_DAY = (r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?|today|tonight|tomorrow|tmrw|"
        r"(?:this|next)\s+(?:week|weekend)|(?:early|later|end\s+of\s+the)\s+(?:this\s+|next\s+)?week")
_PART = r"(?:morning|afternoon|evening|lunch(?:time)?|noon|midday|eod)"
_CLOCK = r"(?:\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|\d{1,2}\s*o'?clock)"
_WHEN = re.compile(rf"\b(?:{_DAY})\b(?:\s+(?:at\s+|around\s+|in\s+the\s+)?(?:{_PART}|{_CLOCK}))?|"
                   rf"\b(?:at|around|after|before)\s+{_CLOCK}|\b{_CLOCK}\b|\b(?:in\s+the\s+)?{_PART}\b",
                   re.IGNORECASE)
_SCHEDULING = re.compile(r"\b(?:can|could|shall|should|would|how\s+about|what\s+about|does|is|works?|free|"
                         r"available|call|meet|meeting|chat|talk|demo|slot|time|suits?|prefer|better|good|best|"
                         r"ok(?:ay)?|fine)\b|\?", re.IGNORECASE)
MAX_CHARS = 160
"""A longer message is not a time proposal: it says more than when."""


def proposed_time(text: str) -> str | None:
    """The time a short message proposes for a call ("can we do Thursday afternoon?" -> "Thursday afternoon",
    "tomorrow at 3pm works" -> "tomorrow at 3pm"), or None: no day or time of day, a day without a word of
    scheduling ("I was off on Monday"), or too long to be only that."""
    text = text.strip()
    if not text or len(text) > MAX_CHARS:
        return None
    found = [m.group(0) for m in _WHEN.finditer(text)]
    if not found:
        return None
    start, end = text.find(found[0]), text.rfind(found[-1]) + len(found[-1])
    when = " ".join(text[start:end].split())
    alone = re.sub(r"[^\w:]+", " ", text).strip().lower() == re.sub(r"[^\w:]+", " ", when).strip().lower()
    return when if alone or _SCHEDULING.search(text) else None  # "friday", said alone, is one too
