"""Objections and requests to be sent information, said in place of an answer: "it's too expensive for us" to
"what's your role on the team?" was stored as the role "It's Too Expensive", "we already use Clari" to "what would
you like Pipewise to help your team with?" as the use case, and so was "can you email me more info?", until stop 31.

An objection is no answer: the question is asked again after the business's answer to it (nurture.yml's FAQ, found
by its words: "too expensive", "already use"), as for a question put back. Only a message that is the objection and
nothing else counts: "we can't afford more than $5k" is a budget, and "we already use Salesforce but need
forecasting" a use case. A request to be sent information gets the content library's links, and the email question
next (`question_order.email_first`).
"""

from __future__ import annotations

import re

OBJECTION = "objection"
"""The reason an answer is rejected for being an objection (`normalize.normalise`)."""
WITHHELD = "withheld"
"""The reason a reply that declines to give the answer ("it's confidential") is none: recorded as a refusal."""
SEND_INFO = "send_info"
"""The reason an answer is rejected for asking to be sent information ("email me the details")."""
PUT_TO_US = frozenset({"question", OBJECTION, SEND_INFO})
"""Rejection reasons of a reply that puts something to the assistant, to be answered rather than re-asked alone: a
question back ("is there a mobile app?"), an objection, or a request to be sent information."""

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


_SEND_ME = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|cool|great|sure|thanks|nice|perfect|hmm+)[\s,.!]+)*"
    r"(?:(?:(?:can|could|would)\s+you\s+(?:please\s+)?|please\s+|just\s+)?(?:e-?mail|send)\s+(?:me|us|it)\s+"
    r"(?:(?:the|some|more|any|your|a\s+few|an?)\s+)*(?:info(?:rmation)?|details|materials?|stuff|docs|documentation|"
    r"brochure|deck|overview|something|links?)|"
    r"(?:i'?d\s+like|i\s+want|i'?d\s+love)\s+(?:some\s+|more\s+)?(?:info(?:rmation)?|details|materials?)"
    r"(?=.*\be-?mail))"
    r"(?:\s+(?:by|via|over|in\s+an?)\s+e-?mail)?(?:\s+(?:please|thanks))?[\s?!.]*$", re.IGNORECASE)


def asks_to_be_sent(text: str) -> bool:
    """Whether the message asks to be sent information by email and says nothing else ("ok cool. can you email me
    more info?"): no answer to any question (until stop 31 it was stored as the use case), and the email question
    comes next."""
    return bool(_SEND_ME.match(text[:200]))


_WHY_ASKED = re.compile(
    r"\bwhy\s+(?:do|would|does|did|are)\s+(?:you|u|ya|pipewise)\s+(?:ask|need|want|care|wanna)|"
    r"\bwhy\s+(?:does|is|'s)\s+(?:that|it|this)\s+(?:matter|important|relevant|needed|necessary)|"
    r"\bwhat(?:'s|\s+is|s)\s+(?:that|it|this)\s+for\b|\bwhat\s+do\s+(?:you|u)\s+need\s+(?:that|it|this)\s+for\b|"
    r"[,.;:!-]\s*(?:but\s+)?why\s*\?+\s*$", re.IGNORECASE)


def asks_why(text: str) -> bool:
    """Whether a reply also asks why the question was asked ("I'm head of sales, why do you ask?"): the NLU reads
    the facts, and until stop 34 the question went unanswered."""
    return bool(_WHY_ASKED.search(text[:300]))


_ABOUT_US = r"^\W*(?:(?:ugh|wow|omg|seriously|honestly|man|lol)[\s,.!]+)*(?:you(?:'re|\u2019re|\s+are|r)?|u\s+r|ur|" \
    r"(?:this|that|it)(?:\s+(?:bot|chat|thing|assistant))?(?:'s|\u2019s|\s+is|\s+was)?|what\s+a)\b"
_REMARK = re.compile(
    _ABOUT_US + r"[^.?!]{0,40}?\b(?:useless|stupid|dumb|idiot(?:ic)?|annoying|terrible|awful|sucks?|rubbish|crap|"
    r"garbage|pointless|unhelpful|(?:not|no)\s+(?:very\s+|much\s+|of\s+a\s+|any\s+)?help(?:ful)?|worst|ridiculous|"
    r"broken|waste\s+of\s+(?:my\s+)?time)\b(?:\s+(?:bot|thing|chat|assistant|machine|ai))?[\s.!?]*$", re.IGNORECASE)


def is_remark(text: str) -> bool:
    """Whether the message is a complaint about the assistant or the chat ("you're a stupid bot", "this is useless"):
    no answer (until stop 34 the first was stored as the use case), and met with an apology and the offer of a
    person rather than "that's outside what I can help with"."""
    return len(text) <= 120 and bool(_REMARK.match(text.strip()))


_DECLINES_ALL = re.compile(
    r"\b(not interested|no interest|just (browsing|looking)|stop asking|no more questions|enough questions|"
    r"leave me alone|(don'?t|do not|rather not|'?d prefer not to) (want to )?answer (any|your|these|more|questions)|"
    r"not answering (any|your|questions)|no questions,? please|skip (the )?questions|without (any |the )?questions|"
    r"quit asking)\b",
    re.IGNORECASE)


def declines_all(message: str | None) -> bool:
    """Whether a refusal declines every question, not only the one asked ("not interested", "stop asking");
    "I'd rather not say" declines one. Only the first 500 characters are read."""
    return bool(message) and bool(_DECLINES_ALL.search((message or "")[:500]))
