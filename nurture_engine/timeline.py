"""Timeline answers to a number of months from now (None when there is no plan)."""

from __future__ import annotations

import math
import re
from datetime import datetime

from .domain import JSONValue
from .errors import InvalidValue
from .numbers import find_numbers, find_word_number

_NONE = re.compile(r"\b(no plans?|not sure|no idea|don'?t know|dunno|no timeline|undecided|"
                   r"never|not planning|no rush|no hurry|someday|eventually|whenever)\b", re.IGNORECASE)
_NOW = re.compile(r"\b(asap|(?<!from )now|immediately|right away|urgent\w*|yesterday|this week|today|"
                  r"as soon as possible)\b", re.IGNORECASE)
_UNIT_MONTHS = {"day": 1 / 30, "week": 12 / 52, "month": 1, "quarter": 3, "year": 12}
# A rate or an amount, not a time: "80k per year", "$2,000 a month", "budget of 50k annually"
_RATE = re.compile(r"\b(per|each|every)\s+(year|month|week|day|quarter)|\d\s*[km]?\s*(a|an|/)\s*(year|yr|month|mo)\b|"
                   r"/\s*(year|yr|month|mo)\b|\bannual(ly)?\b|\bbudget\b|[$€£]|\b(usd|eur|gbp|dollars?|euros?)\b",
                   re.IGNORECASE)
_WHEN = re.compile(r"\d|^a\s|\bfrom now\b|\b(?:in|within|next|by|around|about|roughly|few|couple|several|half|one|two|"
                   r"three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s", re.IGNORECASE)
"""A time said as one ("in a month", "2 weeks", "a year from now"), not a sentence that names a unit ("what a day",
"have a nice day": a timeline of one month until stop 31)."""
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = re.compile(
    r"\b(?P<before>before|by|until|till|in|around|for|early|mid|late|end\s+of|start\s+of|beginning\s+of)\s+"
    r"(?:the\s+)?(?:(?:end|start|beginning|middle)\s+of\s+)?"
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?P<next>\s+next\s+year)?")
"""A month named after a preposition ("by March", "before June", "in May": never the verb "may")."""
_SEASON = re.compile(r"\b(?P<before>before|by|until|till|in|over|for|during|this|next|early|late|end\s+of|after)"
                     r"\s+(?:the\s+)?(?P<season>spring|summer|autumn|fall|winter|christmas|xmas|holidays)\b")
_SEASON_MONTHS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2),
                  "christmas": (12, 12), "xmas": (12, 12), "holidays": (12, 12)}
"""First and last month of a season (the northern hemisphere's): "before the summer" is its start, "by the summer"
its end. Until stop 33 "we'd want it before the summer" was no timeline, and asked again."""
MAX_MONTHS = 120
"""A plan further out than ten years is not a timeline ("in 80,000 years" was one until stop 21)."""


def _months_to_quarter_end(now: datetime, quarter: int, year: int) -> int:
    end_month = quarter * 3
    months = (year - now.year) * 12 + end_month - now.month + 1
    return max(1, months)


def parse_timeline(raw: str, now: datetime) -> dict[str, JSONValue]:
    """`{"months": int | None, "label": str}`: months until the purchase is planned."""
    text = " ".join(raw.split()).strip(" .!?,;:")
    lowered = text.lower()
    if not lowered:
        raise InvalidValue("timeline", "empty")
    months = _months(lowered, now)
    return {"months": months, "label": text[:80]}


def _months_until(month: int, now: datetime, *, next_year: bool = False, end: bool = True) -> int:
    """Months from now until `month` (its end, or its start with `end=False`), this year's or the next one's."""
    ahead = (month - now.month) % 12 + (12 if next_year and month >= now.month else 0)
    return max(1, ahead + (1 if end else 0))


def named_time(text: str) -> str | None:
    """The words that name a month or a season as a time in a longer message ("by March" of "CRO at Bramblecore,
    want it by March, budget 60k/yr", which until stop 34 left the timeline to be asked)."""
    lowered = text.lower()  # the patterns are of lower case, as `parse_timeline` reads
    found = _MONTH.search(lowered) or _SEASON.search(lowered)
    return text[found.start():found.end()] if found else None


def _named_time(text: str, now: datetime) -> int | None:
    """A month or a season named as the time: "by March", "before the summer", "by Christmas"."""
    month = _MONTH.search(text)
    if month is not None:
        number = _MONTH_NAMES.index(month.group("month")[:3]) + 1
        return _months_until(number, now, next_year=bool(month.group("next")),
                             end=month.group("before") not in ("before", "start of", "beginning of", "early"))
    season = _SEASON.search(text)
    if season is not None:
        first, last = _SEASON_MONTHS[season.group("season")]
        if season.group("before") == "after":
            return _months_until(last, now) + 1
        start = season.group("before") in ("before", "early")
        return _months_until(first if start else last, now, next_year=season.group("before") == "next", end=not start)
    return None


def _months(text: str, now: datetime) -> int | None:
    if _NONE.search(text):
        return None
    if _NOW.search(text):
        return 0
    named = _named_time(text, now)
    if named is not None:
        return named
    current_q = (now.month - 1) // 3 + 1
    if "this quarter" in text or "end of the quarter" in text or "end of quarter" in text:
        return _months_to_quarter_end(now, current_q, now.year)
    if "next quarter" in text:
        q, year = (1, now.year + 1) if current_q == 4 else (current_q + 1, now.year)
        return _months_to_quarter_end(now, q, year)
    half = re.search(r"\bh([12])\b", text)  # "H2": by the end of that half, this year's or next
    if half:
        end_quarter = int(half.group(1)) * 2
        year = now.year if end_quarter >= current_q and "next year" not in text else now.year + 1
        return _months_to_quarter_end(now, end_quarter, year)
    q_match = re.search(r"\bq([1-4])\b", text)
    if q_match:
        q = int(q_match.group(1))
        year = now.year if q >= current_q else now.year + 1
        if "next year" in text:
            year = now.year + 1
        return _months_to_quarter_end(now, q, year)
    if "next month" in text:
        return 1
    if "this month" in text or "end of the month" in text or "end of month" in text:
        return 1
    if "this year" in text or "end of the year" in text or "end of year" in text:
        return max(1, 12 - now.month + 1)
    if "next year" in text:
        return 12 - now.month + 6
    if re.search(r"\bhalf a year\b|\bsix months\b", text):
        return 6
    unit = next((u for u in _UNIT_MONTHS if re.search(rf"\b{u}s?\b", text)), None)
    if unit is not None and not _RATE.search(text) and _WHEN.search(text):
        numbers = find_numbers(text)
        count = numbers[-1] if numbers else find_word_number(text) or 1
        months = max(0, math.ceil(count * _UNIT_MONTHS[unit]))
        if months <= MAX_MONTHS:
            return months
    raise InvalidValue("timeline", "unclear")
