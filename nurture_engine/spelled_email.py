"""Email addresses spelled out ("dev at orbitlabs dot com"), and messages that are only an address.

"dev at orbitlabs dot com", said to the email question on make run (stop 33), was no address, and the NLU read
"dev" in it as the role and "orbitlabs dot com" as the company, replacing the "Sales Manager" at "Orbit Labs" the
visitor had given a message earlier. The spelled-out address is an address, and a message that is only an address
answers nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .domain import ProfileField

_AT = r"\s*(?:\bat\b|\(at\)|\[at\]|\{at\}|@)\s*"
_DOT = r"\s*(?:\bdot\b|\(dot\)|\[dot\]|\{dot\}|\.)\s*"
SPELLED = re.compile(
    rf"(?<![\w.+-])(?P<local>[a-z0-9][\w+-]*(?:{_DOT}[\w+-]+)*){_AT}"
    rf"(?P<domain>[a-z0-9][\w-]*(?:{_DOT}[a-z0-9][\w-]*)+)\b",
    re.IGNORECASE)
EMAIL_RE = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}")
"""An email address as typed (`normalize.parse_email`'s, and what a spelled-out one must come to)."""
_AROUND = frozenset("""my email e-mail mail address is it's its it sure ok okay fine yes yeah yep here you go use
reach me on at thanks thank please the work business personal contact""".split())
"""Words a message that is only an address may have around it: "sure, my email is ..." """


def spelled_out_email(text: str) -> str | None:
    """The address of "dev at orbitlabs dot com" (`dev@orbitlabs.com`), when a word "at" and "dot" spell one."""
    match = SPELLED.search(text[:500])
    if match is None or not re.search(r"\bat\b|\(at\)|\[at\]|\{at\}", match.group(0), re.IGNORECASE):
        return None
    if not all(word in _AROUND for word in re.findall(r"[\w'-]+", text[:match.start()].lower())):
        return None  # "I work at Acme dot com": the address must open the message, after "my email is" at most
    dot = re.compile(_DOT, re.IGNORECASE)
    address = f"{dot.sub('.', match.group('local'))}@{dot.sub('.', match.group('domain'))}".lower()
    return address if EMAIL_RE.fullmatch(address) else None


def is_only_an_address(message: str | None) -> bool:
    """Whether the message is an email address, typed or spelled out, with at most a few words around it."""
    if not message or len(message) > 300:
        return False
    span = EMAIL_RE.search(message) or (SPELLED.search(message) if spelled_out_email(message) else None)
    if span is None:
        return False
    rest = (message[:span.start()] + " " + message[span.end():]).lower()
    return all(word in _AROUND for word in re.findall(r"[\w'-]+", rest))


def only_the_email(answers: Mapping[ProfileField, str], message: str | None,
                   asked: ProfileField | None = None) -> dict[ProfileField, str]:
    """The answers of a message that is only an address: the email alone (what else the NLU read is part of it),
    and the asked question's answer, which the form took from the whole message (it is then found to restate the
    email, cleared and asked again: `turn_answers.without_bare_restatement`)."""
    if not message or not is_only_an_address(message):
        return dict(answers)
    kept = {asked: answers[asked]} if asked is not None and asked in answers else {}
    return {**kept, ProfileField.EMAIL: answers.get(ProfileField.EMAIL) or message}
