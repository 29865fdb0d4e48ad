"""A visitor's privacy request made in chat ("please delete my data", "can I get a copy of my data?").

The request itself reaches staff as an alert (`AlertTrigger.PRIVACY_REQUEST`, raised by the alert watcher from
the `privacy_request` interaction); erasure and export stay staff operations (`nurture leads erase/export`, the
admin API), because a chat is not proof of who is asking. What the engine does at once: read which right is
asked for, and for an erasure request stop every follow-up message (the consent ledger records an opt-out).
"""

from __future__ import annotations

import re
from enum import Enum

MAX_SCANNED = 2_000
"""Characters read: enough for any real request, a bound for hostile input."""

_ERASE = re.compile(r"\b(delete|deleted|deleting|deletion|erase|erased|erasure|remove|removed|wipe|purge|"
                    r"forget|forgotten)\b", re.IGNORECASE)
_EXPORT = re.compile(r"\b(copy|export|download|access|portability|what (data|info\w*) (do )?you (have|hold|keep)|"
                     r"send me (my|all|the|everything))\b", re.IGNORECASE)


_ABOUT_DATA = re.compile(r"\b(data|gdpr|ccpa|dsar|privacy|personal|information|info|details|records?|profile|"
                         r"account|subject access|(have|hold|keep|store|stored|collected) (on|about) me)\b",
                         re.IGNORECASE)


class PrivacyRight(str, Enum):
    ERASE = "erase"
    EXPORT = "export"
    UNSPECIFIED = "unspecified"
    """ "I'd like to make a GDPR request": staff read the conversation and ask."""


def privacy_right(text: str) -> PrivacyRight:
    """Which right a request asks for. Erasure wins when both are named ("send me a copy, then delete it"):
    it is the one that must also stop messages at once."""
    head = text[:MAX_SCANNED]
    if _ERASE.search(head):
        return PrivacyRight.ERASE
    if _EXPORT.search(head):
        return PrivacyRight.EXPORT
    return PrivacyRight.UNSPECIFIED


def is_privacy_request(text: str) -> bool:
    """Whether a `privacy_request` reading of `text` names a right or the data it is about. On the peer set every
    such reading that was not one (five, "no" and off-topic messages) named neither: those are not passed to
    staff as requests."""
    head = text[:MAX_SCANNED]
    return privacy_right(head) is not PrivacyRight.UNSPECIFIED or bool(_ABOUT_DATA.search(head))


OPT_OUT_CONFIDENT = 0.6
"""An `opt_out` reading at least this sure is acted on as it is; a less sure one needs the words, or a yes."""
OPT_OUT_UNSURE = "opt_out_unsure"
"""The intent an interaction records for an `opt_out` reading that is not clear: it earns no opt_out points."""

_STOP_WORDS = re.compile(
    r"^\W*((please|no|ok|just|pls),? )?(stop\w*|cancel|end|quit|stah?p|unsub\w*)( it| now| please| pls| this)?\W*$|"
    r"^\W*((please|no|ok|just|pls),? )?stop\b|\bstop\w*( all)?\W*$|"
    r"\b(stopall|unsub\w*|opt(ing)? (me )?out|opt-?out|remove (me|my \w+) from|take me off|leave me alone|"
    r"delete me from|block me|mute|turn off (all |the |your )?notifications|(revoke|withdraw)\w* (my )?consent|"
    r"no (more|further) (contact|messages|emails|texts|updates)|end all|cancel (my|all|the)|"
    r"(don'?t|do not|never|no more|quit|stop) (\w+ )?(message|messaging|contact|contacting|email|emailing|text|"
    r"texting|write|writing|send|sending|spam|spamming|bother|bothering|ping|pinging|call|calling|reaching out|"
    r"all (messages|notifications|emails|texts|updates))\w*|"
    r"(don'?t|do not) want (to receive )?(any|your)( \w+)? (more |further )?(messages|emails|texts|updates|"
    r"newsletters?|notifications))\b", re.IGNORECASE)


def opt_out_is_clear(text: str, confidence: float | None) -> bool:
    """Whether an `opt_out` reading of `text` can be acted on without asking: a sure reading, or a message that
    says it ("STOP", "unsubscribe", "don't message me again"). "could you tell me more" read as opt_out at
    0.38 is not: opting someone out by mistake loses them for good, so the assistant asks first. A reading
    without a confidence counts as sure (Rasa always gives one; a "/opt_out" button gives 1.0)."""
    sure = confidence is None or confidence >= OPT_OUT_CONFIDENT
    return sure or bool(_STOP_WORDS.search(text[:MAX_SCANNED]))


_SECURITY = re.compile(r"\b(secur\w*|soc\s?-?\s?2|soc|iso\s?27001|encrypt\w*|pen(etration)?\s?test\w*|sso|saml|hipaa|"
                       r"compliance|compliant|certif\w*|audit\w*)\b", re.IGNORECASE)
_VISITOR_DATA = re.compile(r"\b(my|our\s+chat|this\s+chat|you\s+(keep|store|hold|collect)|cookies?|delete|privacy"
                           r"\s+policy|personal)\b", re.IGNORECASE)


def asks_of_security_only(text: str) -> bool:
    """Whether a privacy question asks only about the product's security ("are you SOC2?", "is the data
    encrypted?"), not about what the chat keeps of the visitor's: the answer about the visitor's own data followed
    it until stop 30."""
    head = text[:MAX_SCANNED]
    return bool(_SECURITY.search(head)) and not _VISITOR_DATA.search(head)

