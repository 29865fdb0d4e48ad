"""Small parsers for numbers written the way people write them in chat ("2k", "a dozen", "1,500")."""

from __future__ import annotations

import re

WORD_NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "hundred": 100, "thousand": 1000, "dozen": 12,
    "a couple": 2, "a few": 3, "several": 5, "handful": 5, "half a": 0,
}

_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:[,\s]\d{3})+|\d+(?:\.\d+)?)\s*(?P<mult>k|m|mm|bn|b|thousand|grand|thou|million|billion)?\b",
    re.IGNORECASE,
)
_MULT = {"k": 1_000, "thousand": 1_000, "grand": 1_000, "thou": 1_000,
         "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000,
         "b": 1_000_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000}


def find_numbers(text: str) -> list[float]:
    """Every number in `text`, with k/m multipliers applied (``"10-20k"`` gives 10000 and 20000)."""
    found: list[tuple[float, str | None]] = []
    for m in _NUMBER.finditer(text):
        raw = re.sub(r"[,\s]", "", m.group("num"))
        mult = m.group("mult")
        found.append((float(raw), mult.lower() if mult else None))
    # "10-20k": a bare first number of a range takes the multiplier of the second
    if len(found) == 2 and found[0][1] is None and found[1][1] is not None and found[0][0] < found[1][0]:
        found[0] = (found[0][0], found[1][1])
    return [value * _MULT.get(mult or "", 1) for value, mult in found]


def find_word_number(text: str) -> int | None:
    lowered = text.lower()
    if re.search(r"\ba few hundred\b|\bseveral hundred\b|\bcouple (of )?hundred\b", lowered):
        return 300
    if re.search(r"\ba few thousand\b|\bseveral thousand\b", lowered):
        return 3000
    for word, value in sorted(WORD_NUMBERS.items(), key=lambda kv: -len(kv[0])):
        if value and re.search(rf"\b{word}\b", lowered):
            return value
    return None
