"""Needs stated in passing: "we need to stop losing deals in our pipeline" says what the visitor wants Pipewise for
(the use case), whatever question was asked. Read by `volunteered` (the use case of a longer message) and by
`normalize` (such a sentence is no name, company or role, though Rasa takes the whole message for the one asked).
"""

from __future__ import annotations

import re

# A kind of tool evaluated ("we're comparing forecasting tools") is a need too: tried before the plain "looking".
_WANT = re.compile(
    r"\b(?:we|i|our\s+team|my\s+team)(?:\s+(?:really|just|also|mainly|mostly))?"
    r"(?:(?:'re|\u2019re|\s+are|'m|\u2019m|\s+am)\s+(?:evaluating|comparing|researching|shopping\s+for|looking\s+(?:at|into))"
    r"(?=\s+(?:some\s+|a\s+few\s+|new\s+|better\s+)?[\w-]+(?:\s+[\w-]+){0,2}\s+(?:tools?|software|platforms?|solutions?"
    r"|apps?|systems?|vendors?)\b)"
    r"|\s+wants?|\s+wanna|\s+needs?|(?:'d|\u2019d|\s+would)\s+(?:like|love)"
    r"|(?:'re|\u2019re|\s+are|'m|\u2019m|\s+am)\s+(?:looking|hoping|trying|planning|aiming)|\s+hope|\s+plan|\s+aim)"
    r"\s+(?:to\s+|for\s+)?(?P<what>[^.!?;\n]{3,200})", re.IGNORECASE)
# wants that are no use case: a demo, a call, information, a job, a privacy request, an object that refers back
# ("it"), keeping one's details private
_NOT_A_USE_CASE = re.compile(
    r"^(?:(?:a|an|the|some|more|your)\s+)?(?:new\s+)?(?:demo|call|quote|trial|price|pricing|cost|meeting|chat|word|info"
    r"|information|details|person|human|job|position|internship|work\b|help\b(?!\s+(?:with|us|our|to|on|in)\b))"
    r"|^(?:see|book|schedule|get\s+(?:a|an|the|in\s+touch|pricing|started)\b|talk|speak|know|learn|hear|ask|check"
    r"|find\s+out|try|buy|purchase|sign|subscribe|unsubscribe|opt|pay|read|watch|download|contact|reach|be\s+"
    r"|stop\s+(?:getting|receiving|the|these|your|all|messages|emails)|delete|erase|remove|leave|go\b|think|wait"
    r"|roll\s+out|go\s+live|launch|start\b|decide|discuss|it\b|this\b|that\b|them\b|you\b|one\b|something\b"
    r"|anything\b|nothing\b|to\b|(?:keep|stay)\b.*\b(?:private|confidential|secret|anonymous)\b)"
    r"|\bmy\s+(?:data|details|information|number|email)\b", re.IGNORECASE)
# "we have 2,000 staff and want better forecasting": the want shares its subject with an earlier verb (stop 27)
_AND_WANT = re.compile(
    r"\b(?:we|i)\b[^.!?;\n]{1,80}?\s+and\s+(?:(?:also|really|just|mainly)\s+)?"
    r"(?:wants?|needs?|would\s+(?:like|love)|(?:are|am)\s+(?:looking|hoping|trying|planning|aiming))"
    r"\s+(?:to\s+|for\s+)?(?P<what>[^.!?;\n]{3,200})", re.IGNORECASE)
# "we're a 300-person fintech looking at forecasting tools": the company, then the kind of tool it evaluates (stop 31)
_COMPANY_EVALUATES = re.compile(
    r"\b(?:we|i)(?:'re|\u2019re|\s+are|'m|\u2019m|\s+am)\s+(?:a|an)\s+[^.!?;,\n]{1,60}?\s+"
    r"(?:evaluating|comparing|researching|shopping\s+for|looking\s+(?:at|into|for))\s+"
    r"(?P<what>(?:some\s+|a\s+few\s+|new\s+|better\s+)?[\w-]+(?:\s+[\w-]+){0,2}\s+(?:tools?|software|platforms?"
    r"|solutions?|apps?|systems?|vendors?))\b", re.IGNORECASE)
# "we're a 50-person agency looking to forecast revenue better": the company, then what it wants (stop 33)
_COMPANY_WANTS = re.compile(
    r"\b(?:we|i)(?:'re|\u2019re|\s+are|'m|\u2019m|\s+am)\s+(?:a|an)\s+[^.!?;,\n]{1,60}?\s+"
    r"(?:(?:looking|hoping|trying|planning|aiming|wanting)\s+(?:to|for)|(?:that|who)\s+(?:wants?|needs?)\s+(?:to\s+)?)"
    r"\s*(?P<what>[^.!?;\n]{3,200})", re.IGNORECASE)
_WANT_ENDS = re.compile(r",|\s+-\s+|\s+(?:but|so|because)\s+|\s+and\s+(?:i|we|i'm|we're|our|my)\b"
                        r"|\s+(?:please|thanks|thank\s+you)\b", re.IGNORECASE)


# A pain with the things the product works on ("our forecast is always off", "we waste hours updating Salesforce"):
# the clause itself is the use case (stop 30 found it in an opening message, and the use case asked again).
_PAIN = re.compile(
    r"\b(?:our|my)\s+(?:[\w-]+\s+){0,3}?(?:forecasts?|forecasting|pipeline|crm|data|reporting|reports|numbers"
    r"|process|leads?|routing|deals?|dashboards?|spreadsheets?)\s+(?:is|are|keeps?\s+being|seems?|feels?)\s+"
    r"(?:(?:always|often|constantly|totally|completely|so|really|very|pretty|a\s+bit|kind\s+of|still)\s+)*"
    r"(?:off|wrong|a\s+mess|messy|broken|inaccurate|unreliable|outdated|out\s+of\s+date|slow|manual|a\s+nightmare"
    r"|a\s+pain|terrible|awful|all\s+over\s+the\s+place)\b"
    r"|\b(?:we|i|my\s+team|our\s+(?:team|reps))\s+(?:keeps?\s+|always\s+)?(?:struggles?|struggling|wastes?\s+"
    r"(?:hours|time|days)|spends?\s+(?:hours|days))\s+(?:with\s+|on\s+)?[^.!?;\n]{3,80}", re.IGNORECASE)


def stated_need(text: str) -> str | None:
    """What the visitor says they want or need: "we need to stop losing deals in our pipeline", or the pain they
    name: "our forecast is always off"."""
    for match in (*_WANT.finditer(text), *_AND_WANT.finditer(text), *_COMPANY_EVALUATES.finditer(text),
                  *_COMPANY_WANTS.finditer(text)):
        what = _WANT_ENDS.split(match.group("what"), maxsplit=1)[0].strip()
        if len(what) >= 5 and not _NOT_A_USE_CASE.search(what):
            return what
    pain = _PAIN.search(text)
    return _WANT_ENDS.split(pain.group(0), maxsplit=1)[0].strip() if pain else None


_INTERJECTIONS = re.compile(r"\W*(?:(?:well|so|ok|okay|sure|yes|yeah|hi|hello|hey|honestly|basically)[\s,!.]+)*",
                            re.IGNORECASE)


def opens_with_need(text: str) -> bool:
    """Whether the message is a stated need from its first words ("we need better forecasting", "Sure, we'd love
    to automate lead routing"): no answer to "what's your role?", "which company?" or "what's your name?"."""
    head = text[:500]
    start = _INTERJECTIONS.match(head)
    match = _WANT.match(head, start.end() if start else 0)
    return match is not None and stated_need(match.group(0)) is not None


_HEDGES = re.compile(
    r"^\W*(?:(?:honestly|tbh|to\s+be\s+honest|well|hmm+|um+|uh+|i\s+guess|i\s+think|not\s+(?:really\s+|totally\s+|"
    r"entirely\s+|100%\s+)?sure(?:\s+yet)?|no\s+idea|dunno|idk|probably|maybe|perhaps|possibly|mostly|mainly)"
    r"[\s,.!?:;-]*)+", re.IGNORECASE)


def without_hedges(text: str) -> str:
    """A use case without the hedges it opens with ("honestly not sure, maybe reporting?" is "reporting": until stop
    34 it was stored whole); the text itself when the hedges are all it says ("not sure" is no use case, and is
    refused as such)."""
    start = _HEDGES.match(text)
    rest = text[start.end():].strip().rstrip("?!. ") if start else text
    return rest if start and len(rest) >= 3 and any(c.isalpha() for c in rest) else text
