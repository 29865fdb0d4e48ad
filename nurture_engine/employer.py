"""Whose company a message names: the visitor's own, or a customer's, a competitor's, a tool's.

Every company the NLU reads is stored as the lead's own. Until stop 33, "our main customer is Tesco", said to the
email question after "I'm Priya ... at a logistics firm called Fleetly", stored the company "Tesco", and "we'd
integrate with Shopify" the company "Shopify". A company the words just before it give to someone else is dropped,
whichever question was asked; one the visitor names as their own workplace ("a firm called Fleetly") is found even
when the NLU misses it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .domain import ProfileField

_ANOTHER_JUST_BEFORE = re.compile(
    r"\b(?:sell(?:s|ing)?\s+(?:\w+\s+)?(?:to|into)|(?:integrat|connect|sync|hook)\w*\s+(?:\w+\s+){0,2}?(?:with|to|into)"
    r"|(?:switch|mov|migrat)\w*\s+(?:\w+\s+)?(?:away\s+)?from|came\s+(?:here\s+|over\s+)?(?:from|via|through)"
    r"|replac\w+|compared?\s+(?:to|with)|vs\.?|versus"
    r"|instead\s+of|heard\s+(?:about\s+\w+\s+)?(?:from|at|on|via|through)|(?:recommended|referred)\s+by"
    r"|friends?\s+(?:at|from)|(?:we|i)\s+(?:use|used|tried)|(?:we're|we\s+are|i'm|i\s+am)\s+(?:\w+\s+)?using"
    r"|(?:better|cheaper|faster)\s+than|like|such\s+as|including|e\.g\.?)\s*$",
    re.IGNORECASE)
"""What, just before a company, makes it someone else's: "we sell to", "integrate it with", "switching from", "we
use", "a friend at"."""
_ANOTHERS_ROLE = re.compile(
    r"\b(?:customers?|clients?|competitors?|competition|rivals?|partners?|vendors?|suppliers?|providers?|resellers?"
    r"|investors?|buyers?|accounts?|prospects?|users?)\b"
    r"(?:\s+(?:is|are|was|were|include|includes|included|would\s+be|will\s+be|being|like|such\s+as|:)\s*"
    r"|\s+(?:\w+\s+){0,3}?(?:is|are|was|were|include|includes)\s+|\s*[:,-]\s*)(?:\w+\s+){0,2}?$",
    re.IGNORECASE)
"""A customer, competitor, partner ... named just before the company: "our main customer is", "clients include"."""
_CLAUSE_START = re.compile(r".*[.!?;\n]", re.DOTALL)
_NAMED = re.compile(
    r"(?i:\b(?:at|for|with|run|own|founded|co-?founded|started|joined|from|in)\s+(?:an?|the|my|our)\s+"
    r"(?:[\w-]+\s+){0,4}?(?:company|firm|startup|start-up|business|agency|shop|studio|consultancy|organi[sz]ation"
    r"|org|brand|practice|lab)\s+(?:called|named)\s+)"
    r"(?P<name>[A-Z0-9][\w&.'-]*(?:\s+(?:&\s+)?[A-Z0-9][\w&.'-]*){0,3})")
"""The visitor's own workplace, named: "I run revenue ops at a 200 person logistics firm called Fleetly"."""


def names_anothers_company(message: str | None, company: str) -> bool:
    """Whether `message` gives `company` (as typed there) to someone other than the visitor."""
    if not message or not company.strip():
        return False
    at = message.lower().find(company.strip().lower())
    if at < 0:
        return False
    before = _CLAUSE_START.sub("", message[max(0, at - 120):at])
    return bool(_ANOTHER_JUST_BEFORE.search(before) or _ANOTHERS_ROLE.search(before))


def named_workplace(message: str) -> str | None:
    """The company the visitor names as their own workplace with "called" or "named", if any."""
    match = _NAMED.search(message)
    if match is None:
        return None
    return match.group("name").rstrip(".'")


def without_anothers_company(answers: Mapping[ProfileField, str], message: str | None) -> dict[ProfileField, str]:
    """`answers` without a company that `message` gives to someone else."""
    company = answers.get(ProfileField.COMPANY)
    if company is None or not names_anothers_company(message, company):
        return dict(answers)
    return {f: raw for f, raw in answers.items() if f is not ProfileField.COMPANY}
