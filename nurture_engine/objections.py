"""Objections said in place of an answer: "it's too expensive for us" to "what's your role on the team?" was stored
as the role "It's Too Expensive", and "we already use Clari" to "what would you like Pipewise to help your team
with?" as the use case, until stop 31.

An objection is no answer: the question is asked again after the business's answer to it (nurture.yml's FAQ, found
by its words: "too expensive", "already use"), as for a question put back. Only a message that is the objection and
nothing else counts: "we can't afford more than $5k" is a budget, and "we already use Salesforce but need
forecasting" a use case.
"""

from __future__ import annotations

import re

OBJECTION = "objection"
"""The reason an answer is rejected for being an objection (`normalize.normalise`)."""
PUT_TO_US = frozenset({"question", OBJECTION})
"""Rejection reasons of a reply that puts something to the assistant, to be answered rather than re-asked alone: a
question back ("is there a mobile app?") or an objection."""

_OPENER = r"^\W*(?:(?:well|but|hmm+|honestly|actually|sorry|look|tbh|yeah|ok(?:ay)?)[\s,.!]+)*"
_PRICE = re.compile(
    _OPENER + r"(?:(?:it|that|this|pipewise|the price|the pricing|your pricing|you)(?:'s|'re|\s+is|\s+are|\s+seems|"
    r"\s+sounds|\s+looks)?\s+)?(?:(?:way|far|a bit|a little|just|much|really|kind of|kinda|probably)\s+)*"
    r"(?:too\s+(?:expensive|pricey|costly|much|high|steep)|"
    r"(?:over|above|out of)\s+(?:our|my|the)\s+(?:budget|price range)|"
    r"overpriced|pricey|expensive)"
    r"(?:\s+(?:for\s+(?:us|me|our\s+\w+|a\s+\w+(?:\s+\w+)?)|right now|at the moment|tbh|honestly))*\W*$"
    r"|" + _OPENER + r"(?:we|i)\s+(?:can'?t|cannot|couldn'?t|won'?t be able to)\s+afford\s+(?:it|that|this)"
    r"(?:\s+right now)?\W*$", re.IGNORECASE)
_CURRENT_TOOL = re.compile(
    _OPENER + r"(?:we|i)(?:'re|'m|\s+are|\s+am)?\s+(?:(?:already|currently)\s+(?:use|using|have|on|with)|"
    r"(?:already\s+|really\s+|quite\s+)?happy\s+with)\s+"
    r"(?!(?:that|this|it|them|you|your|what|how|the\s+pric\w*)\b)(?P<tool>[\w.&' -]{1,40}?)"
    r"(?:\s+(?:already|for (?:that|this|now)|thanks|tbh))?\W*$"
    r"|" + _OPENER + r"(?:we|i)(?:'re|'m|\s+are|\s+am)?\s+(?:use|using|on|happy with)\s+(?P<tool2>[\w.&' -]{1,40}?)"
    r"\s+already\W*$", re.IGNORECASE)
_MORE = re.compile(r"\b(?:but|and|need|needs|want|wants|looking|help|improve|replace|switch|since)\b|\d",
                   re.IGNORECASE)
"""Words that make an objection-shaped message say more: a need, a number, a plan to change."""


def is_objection(raw: str) -> bool:
    """Whether the message is an objection and nothing else: the price ("that's too expensive for us", "we can't
    afford it") or a tool in use ("we already use Clari", "we're using HubSpot already")."""
    text = " ".join(raw[:200].split())
    if len(text) >= 200 or _MORE.search(text):
        return False
    return bool(_PRICE.match(text) or _CURRENT_TOOL.match(text))
