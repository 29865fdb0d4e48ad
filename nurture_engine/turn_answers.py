"""What a profiling turn tells: the answers Rasa filled, taken whole or in part, with the facts the message
volunteers, less what only restates other facts."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from .domain import FieldValue, ProfileField
from .employer import without_anothers_company
from .errors import InvalidValue
from .needs import stated_need, without_hedges
from .normalize import FREE_TEXT_FIELDS, normalise
from .profiling import ProfileTurn
from .roles import role_in_message
from .spelled_email import only_the_email
from .volunteered import SCAN_CHARS, widens, with_volunteered

_FILLER = frozenset("""i i'm im me my we we're were our us am is are was be been a an the at of in on for with and
or as to from by about around roughly approximately some company companies team teams people person persons
employees staff folks work working currently right now just so well also here there this that it it's its hi
hello hey yes yeah yep ok okay sure cool great nice alright perfect thanks called named name um uh like
want wants wanna need needs would we'd i'd love hope hoping plan planning aim aiming looking trying
small smaller tiny big bigger large medium mid midsize sized size growing agency startup firm business shop studio
consultancy organisation organization
run runs running lead leading manage manages managing head heads heading handle handles handling oversee oversees
own owns do does doing department dept side function charge
email e-mail mail address phone number mobile cell contact reach
actually sorry oops typo typos correction correct corrected meant mean mistake bad wrong earlier said not no
rather instead budget budgets maybe perhaps probably per month monthly year yearly annually
start starting begin beginning launch buy buying purchase purchasing implement implementing roll rolling out go
going live get getting have having something place ready decide deciding sign signing depends depending
price pricing cost costs approval approved
change changed changing update updated updating call spell spelled spelt fix fixed edit please you can""".split())
"""The verbs of a stated need count as filler: "we need better forecasting", said to "what's your role?", is the
use case and leaves the role unanswered (stop 23 found the role "We Need Better Forecasting"). So do the words
that describe a company: "we're a small agency, 5 people" is a company size, not a use case (stop 25), and the
verbs of doing a job: "I run marketing" is a role (stop 27 stored it as the use case too), and the words that
introduce contact details: "my email is bob@globex.com" to "what's your role?" was the role "My Email Is
Bob@globex.com" until stop 29, and the words of a correction: "actually we are 400 people, sorry typo" to the
use-case question is a company size (stop 30 found it stored as the use case too), and the verbs of a timeline:
"we'd like to start next month" is a timeline (stored as the use case as well until stop 30), and "maybe next
quarter, depends on budget" is one too (stored as the use case until stop 31), and the words of changing a fact:
"change my name to Helena", said to the use-case question, is a name (stop 34 stored it as the use case too)."""
_RANGED = frozenset({ProfileField.COMPANY_SIZE, ProfileField.BUDGET})
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")


def best_entity_value(values: Sequence[str]) -> str | None:
    """Of the values the NLU read for one field in one message, the first that has a word of its own: "Tom here,
    VP of Sales at Wayne Enterprises. We have 2,000 staff" gives the companies "Wayne Enterprises" and "We", and
    Rasa fills the slot with the last one."""
    words = [v for v in values if any(w.lower() not in _FILLER for w in _WORD.findall(v))]
    return words[0] if words else (values[-1] if values else None)


def _words(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).lower()


def without_bare_restatement(turn: ProfileTurn) -> tuple[dict[ProfileField, str], ProfileField | None]:
    """The turn's answers, without the asked field's when Rasa took the whole message for it but the message only
    gave other facts: "I lead revenue operations at a company of 300 people", said to "what would you like help
    with?", is a role and a company size, not a use case. Without the other answers' words, the message must
    keep a word of its own (not filler) to answer the question. Returns the answers and the field left
    unanswered (asked again, no "invalid" reply), if any."""
    asked = turn.requested
    answers = dict(turn.answers)
    if (asked not in FREE_TEXT_FIELDS or asked not in answers or not turn.message or len(answers) < 2
            or _words(answers[asked]) != _words(turn.message)):
        return answers, None
    rest = _words(turn.message)
    for text in (*(v for f, v in answers.items() if f is not asked), *turn.said):
        if text.strip():
            rest = rest.replace(_words(text), " ")
    if any(w not in _FILLER for w in _WORD.findall(rest)):
        return answers, None
    del answers[asked]
    return answers, asked


def without_known(answers: Mapping[ProfileField, str],
                  profile: Mapping[ProfileField, FieldValue]) -> dict[ProfileField, str]:
    """The answers that tell something new: not the stored value itself (Rasa re-validates every filled slot when
    a form starts again after a digression), nor the words it was parsed from, said again."""
    return {f: raw for f, raw in answers.items()
            if f not in profile or raw.strip() not in (profile[f].value, profile[f].raw.strip())}


def whole_use_case(turn: ProfileTurn) -> dict[ProfileField, str]:
    """The turn's answers, with the message itself as the use case when it answered that question and nothing else:
    not the part of it the NLU tagged ("up our CRM data", of "cleaning up our CRM data"). A stated need ("we want
    to clean up our CRM data") is taken without its lead-in; also from a message that gave other facts, which
    Rasa took whole for the use case ("I'm Sofia, RevOps lead at Initech and we need better forecasting")."""
    answers = dict(turn.answers)
    message = (turn.message or "").strip()
    use_case = answers.get(ProfileField.USE_CASE)
    if turn.requested is not ProfileField.USE_CASE or use_case is None or not message or len(message) > 200:
        return answers
    if set(answers) != {ProfileField.USE_CASE}:
        need = stated_need(message) if _words(use_case) == _words(message) else None
        answers[ProfileField.USE_CASE] = need or use_case
    elif _words(use_case) != _words(message):
        answers[ProfileField.USE_CASE] = without_hedges(stated_need(message) or message)
    else:  # "honestly not sure, maybe reporting?" is reporting (stored whole until stop 34)
        answers[ProfileField.USE_CASE] = without_hedges(use_case)
    return answers


def new_answers(turn: ProfileTurn, now: datetime) -> tuple[dict[ProfileField, str], ProfileField | None]:
    """What the turn tells: its answers with the facts its message volunteers, less a bare restatement (see
    `without_bare_restatement`, which also gives the field to ask again). What the profile already holds is
    dropped where every answer is stored (`NurtureService.record_answers`, `without_known`)."""
    answers = with_whole_range(replace(turn, answers=whole_use_case(turn)), now)
    answers = with_volunteered(without_anothers_company(answers, turn.message), turn.message, now,
                               known=turn.visit.known)  # "our main customer is Tesco": no company of theirs
    answers = only_the_email(answers, turn.message, turn.requested)  # "dev at orbitlabs dot com": no role "dev"
    return without_bare_restatement(replace(turn, answers=with_role_verb(answers, turn.message)))


def with_whole_range(turn: ProfileTurn, now: datetime) -> dict[ProfileField, str]:
    """The turn's answers, with the message itself for the asked company size or budget when the NLU read one end
    of the range it gives ("10" of "10-50"; `volunteered.widens`)."""
    answers = dict(turn.answers)
    asked, message = turn.requested, (turn.message or "").strip()
    if asked not in _RANGED or asked not in answers or not message or len(message) > 120:
        return answers
    try:
        given, whole = normalise(asked, answers[asked], now), normalise(asked, message, now)
    except InvalidValue:
        return answers
    if isinstance(given, dict) and isinstance(whole, dict) and widens(given, whole):
        answers[asked] = message
    return answers


def with_role_verb(answers: Mapping[ProfileField, str], message: str | None) -> dict[ProfileField, str]:
    """The answers, with the role as the message says it when a verb of running a team goes with it: the NLU
    reads "marketing" in "I run marketing", which is the Head of Marketing (`roles.role_in_message`)."""
    merged = dict(answers)
    role = merged.get(ProfileField.ROLE)
    phrase = role_in_message(message[:SCAN_CHARS], role) if role and message else None
    if phrase:
        merged[ProfileField.ROLE] = phrase
    return merged


READ_FIRST = frozenset({ProfileField.COMPANY_SIZE, ProfileField.BUDGET, ProfileField.TIMELINE})
"""Questions whose answers a strict parser recognises, whatever the NLU made of the message."""


def reads_as_answer(field: ProfileField | None, message: str | None, now: datetime) -> bool:
    """Whether the message answers the asked question though the NLU read it as off-topic or a greeting ("yesterday"
    and "whenever" to the timeline question were out of scope, "H2" a greeting, until stop 31)."""
    if field not in READ_FIRST or not message or len(message) > 120:
        return False
    try:
        normalise(field, message, now)
    except InvalidValue:
        return False
    return True
