"""Companies as people name and size them.

A reply to "which company are you with?" that names none is no name: a description ("a small agency", "the one
with the red logo"), a refusal ("it's confidential", "we're in stealth"); a freelancer is "Self-employed". Each was
stored as the company's name until stop 31, "it's confidential" as "confidential".

Sizes as people write them: "about 200", "200-500", "a startup", "a few dozen", "just me"; never a time ("in about 2
months") or a count of other things ("two offices").
"""

from __future__ import annotations

import re

from .errors import InvalidValue
from .numbers import find_numbers, find_word_number
from .objections import WITHHELD

DESCRIPTION = "description"
"""The reason a reply that describes the company instead of naming it is no answer: the name is asked for."""
SELF_EMPLOYED = "Self-employed"

_WITHHELD = re.compile(
    r"\b(?:confidential|secret|under (?:an? )?nda|stealth|(?:rather|prefer) not|not (?:telling|saying|allowed)|"
    r"can'?t (?:say|tell|share)|cannot (?:say|tell|share)|won'?t say|private)\b", re.IGNORECASE)
_SELF_EMPLOYED = re.compile(
    r"^(?:i'?m\s+|i\s+am\s+)?(?:a\s+)?(?:freelanc\w*|self[- ]employed|independent(?:\s+consultant)?|sole\s+trader|"
    r"on my own|just me|myself|solo)$", re.IGNORECASE)
_DESCRIPTION = re.compile(
    r"^(?:a|an|one of the|some|just a)\s+(?!(?-i:[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*$))"
    r"|^(?:the\s+)?one\s+(?:with|that|who|where|in|on)\b"
    r"|\b(?:small|big|large|little|local|mid-?size[d]?|family[- ]owned|early[- ]stage)\s+"
    r"(?:agency|business|company|firm|shop|startup|team|consultancy|studio|saas)$", re.IGNORECASE)
"""A description: an article before common words ("a small agency"), or a size before a kind of business. "The
Home Depot" and "A Cloud Guru" (capitalised, a name) are kept."""


def company_reason(text: str) -> str | None:
    """Why a company answer names none (`WITHHELD`, `DESCRIPTION`), or None when it may be a name."""
    if _WITHHELD.search(text):
        return WITHHELD
    if _DESCRIPTION.search(text):
        return DESCRIPTION
    return None


def as_company_name(text: str) -> str:
    """The name as the visitor's words give it: "Self-employed" for a freelancer, a name typed all in lower case
    capitalised ("google" is "Google"), any other spelling kept ("eBay", "ACME")."""
    if _SELF_EMPLOYED.match(text):
        return SELF_EMPLOYED
    if text.islower() and not re.search(r"[.@/]", text):
        return " ".join(word[:1].upper() + word[1:] for word in text.split())
    return text


_COUNT_WORDS = r"\b(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|couple of|several)"
"""A count in words, before a unit of time or of things other than people."""
_DURATION = re.compile(
    rf"(?:\d[\d,.]*|{_COUNT_WORDS})"
    r"\s*-?\s*(?:days?|weeks?|months?|years?|yrs?|quarters?|qtrs?|hours?|hrs?|minutes?|mins?)\b"
    r"|\bq[1-4]\b|\b(?:in|by|until|before|from|since|end of)\s+(?:19|20)\d\d\b", re.IGNORECASE)
"""Times are no head-count: "in about 2 months" to the company-size question was a company of 2 until stop 29."""
_NOT_PEOPLE = re.compile(
    rf"(?:\d[\d,.]*k?|{_COUNT_WORDS})"
    r"\s*(?:offices?|locations?|sites?|countries|teams?|products?|branches|stores|shops|regions|departments|brands|"
    r"business units|entities|subsidiaries|continents|time ?zones)\b", re.IGNORECASE)
"""Counts of other things than people: "two offices" was a company of 2 until stop 31."""
_SIZE_WORDS = ((re.compile(r"\b(?:large|enterprise|fortune\s*\d+|global|multinational)\b"), 1000, None),
               (re.compile(r"\b(?:mid[- ]?(?:size[d]?|sized|market)|medium(?:[- ]sized?)?)\b"), 100, 999),
               (re.compile(r"\b(?:tiny|very small|micro)\b"), 1, 10),
               (re.compile(r"\b(?:small|startup|start-up|smb|early[- ]stage)\b"), 1, 99))
"""A size said in words, as a range (small < 100, mid-size 100-999, large 1,000 or more): "a startup" and
"mid-size" were asked again until stop 31."""
_DOZENS = ((re.compile(r"\b(?:a\s+)?(?:few|couple(?:\s+of)?)\s+dozen\b|\bdozens\b"), 24, 60),)


_MONEY = re.compile(r"[$€£]|\b(?:usd|eur|gbp|dollars?|euros?|pounds|bucks|budget|grand)\b|"
                    r"\d\s*k\s+(?:for|on|to\s+spend)\b|"  # "about 30k for this" (stop 33)
                    r"\d\s*[km]?\s*(?:a|an|per|/)\s*(?:year|yr|month|mo|annum)\b|\b(?:annual(?:ly)?|monthly)\b",
                    re.IGNORECASE)
_PEOPLE = re.compile(r"(?:about |around |roughly |~)?\d[\d,.]*\s*k?\+?\s*(?:-\s*\d[\d,.]*\s*k?\s*)?"
                     r"(?:people|employees|staff|persons|ftes?|heads|headcount|person)\b", re.IGNORECASE)
"""An amount of money is no head-count: "around 40k a year" to the company-size question was a company of 40,000
(and the budget it is) until stop 31."""


_ME_AND = re.compile(
    r"\b(?:(?:just|only)\s+)?(?:me|myself)\s+(?:and|&|\+|plus)\s+"
    r"(?:(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?:others?|people|employees|staff|colleagues|guys|folks)|(?:my\s+|a\s+|one\s+)?(?:business\s+)?(?:sister"
    r"|brother|wife|husband|partner|co-?founder|co-?owner|friend|dad|mum|mom|father|mother|son|daughter|assistant"
    r"|colleague))\b", re.IGNORECASE)


def with_me_phrase(text: str) -> str | None:
    """The words of a head-count given as the visitor and others ("just me and my sister", "me and 3 others")."""
    pair = _ME_AND.search(text)
    return pair.group(0) if pair else None


def _with_me(text: str) -> int | None:
    """The head-count of "me and my cofounder" (2) or "me and 3 others" (4)."""
    pair = _ME_AND.search(text)
    if pair is None:
        return None
    if pair.group("n") is None:
        return 2
    others = int(pair.group("n")) if pair.group("n").isdigit() else find_word_number(pair.group("n"))
    return 1 + others if others else None


def parse_company_size(raw: str) -> dict[str, int | None]:
    if _MONEY.search(raw[:500]):  # only people counted beside an amount ("200 people, budget 40k")
        people = _PEOPLE.search(raw[:500])
        if people is None:
            raise InvalidValue("company_size", "money")
        raw = people.group(0)
    text = _DURATION.sub(" ", " ".join(raw.split()).strip(" .!?,;:\"'").lower())
    text = re.sub(r"(\d)\s*-?ish\b", r"\1", text)  # "50ish"
    if (together := _with_me(text)) is not None:  # "just me and my sister" was a company of 1 until stop 33
        return {"min": together, "max": together}
    if re.search(r"\b(just me|only me|myself|solo|me alone|one[- ]person|freelancer?)\b", text):
        return {"min": 1, "max": 1}
    for pattern, low, high in _DOZENS:
        if pattern.search(text):
            return {"min": low, "max": high}
    if _NOT_PEOPLE.search(text):
        text = _NOT_PEOPLE.sub(" ", text)
        if not find_numbers(text) and find_word_number(text) is None:
            raise InvalidValue("company_size", "not_people")
    numbers = [int(n) for n in find_numbers(text)]
    if len(numbers) >= 2 and numbers[0] <= numbers[1]:
        return {"min": numbers[0], "max": numbers[1]}
    if numbers:
        n = numbers[0]
    else:
        word = find_word_number(text)
        if word is None:
            sized = next(((low, high) for pattern, low, high in _SIZE_WORDS if pattern.search(text)), None)
            if sized is not None:
                return {"min": sized[0], "max": sized[1]}
            raise InvalidValue("company_size", "no_number")
        n = word
        if re.search(r"\b(few|several|couple) hundred\b", text):
            return {"min": 200, "max": 500}
    if n <= 0 or n > 5_000_000:
        raise InvalidValue("company_size", "out_of_range")
    if re.search(r"(\+|\bover\b|\bmore than\b|\babove\b|\bat least\b)", text):
        return {"min": n, "max": None}
    if re.search(r"\b(under|less than|fewer than|below)\b", text):
        return {"min": 1, "max": max(1, n - 1)}
    return {"min": n, "max": n}
