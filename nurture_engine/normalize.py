"""Per-field validation and normalisation of profile answers.

Every parser takes the user's words and returns a JSON-able normalised value, or raises
`InvalidValue` with a short reason code that the assistant turns into a re-ask response.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from .company import as_company_name, company_reason, parse_company_size
from .domain import JSONValue, ProfileField
from .errors import InvalidValue
from .misses import asks_to_ask
from .needs import opens_with_need
from .numbers import find_numbers
from .objections import OBJECTION, SEND_INFO, WITHHELD, asks_to_be_sent, declines_all, is_objection, is_remark
from .roles import mentions_activity, names_only_tools, normalise_role
from .spelled_email import EMAIL_RE, spelled_out_email
from .timeline import parse_timeline

MAX_ANSWER_CHARS = 300
_SPELLED_EMAIL = re.compile(r"\b(?:at|arroba)\b|\w\.\w|\bdot\b", re.IGNORECASE)
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
_LEAD_INS = re.compile(
    r"^(?:(?:well|so|ok|okay|sure|yes|yeah|hi|hello)[,!.\s]+)?"
    r"(?:my name is|my name's|name's|i am|i'm|im|(?:just\s+)?call me|this is|it's|it is|we are|we're|"
    r"i work at|i work for|i'm at|i am at|i'm with|i am with|we're called|our company is|"
    r"the company is|company is|at|with|for|from)\s+",
    re.IGNORECASE,
)
_CURRENCIES = {
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "quid": "GBP",
}
_NO_BUDGET = re.compile(r"\b(no budget|zero|nothing|none|not yet|no money|n/?a)\b", re.IGNORECASE)


_NOT_AN_ANSWER = frozenset({"yes", "no", "ok", "okay", "sure", "yeah", "yep", "nope", "hi", "hello", "hey",
                            "thanks", "thank you", "maybe", "idk", "n/a", "none", "nothing", "yes please", "ok sure",
                            "not sure", "i don't know", "i dont know", "dunno", "no idea", "whatever", "cool", "great",
                            "fine", "alright", "good", "hmm", "what", "why"})
"""Replies that answer no open question (a use case of "yes" was once stored): the question is asked again."""


_QUESTION_BACK = re.compile(
    r"^\W*(?:what(?!\s+about\b)|whats|what's|who|whos|who's|where|when|why|which|whose|are you|is this|is that|"
    r"is it|is there|do you|does it|does this|should i|"
    r"how (?:much|many|long|often|come|does (?:it|this|that|pipewise)|do you))"
    r"\b.*\?[\s?!.]*$", re.IGNORECASE | re.DOTALL)
_TELL_ME = re.compile(r"^\W*(?:(?:can|could|would)\s+you\s+)?(?:please\s+)?(?:tell\s+me\s+(?:more\s+)?about|"
                      r"explain|describe|show\s+me\s+how)\b", re.IGNORECASE)
"""A request for information, with or without "?": "tell me about lead routing" to the use-case question was
stored as the use case and answered with the role question until stop 29."""
_TOLD = r"^(?:i|we)(?:'ve|\s+have)?\s+"
_SAID = r"(?:told|said|gave|answered|explained|mentioned)\b"
_TOLD_BEFORE = re.compile(rf"{_TOLD}(?:already\s+)?{_SAID}.*\b(?:already|before|earlier|last\s+(?:week|time|month)"
                          rf"|yesterday)\b|{_TOLD}already\s+{_SAID}", re.IGNORECASE)
"""A reply that says it was answered before, elsewhere: "I already told you what we need last week" was stored as the
use case until stop 33."""
FREE_TEXT_FIELDS = frozenset({ProfileField.NAME, ProfileField.COMPANY, ProfileField.ROLE, ProfileField.USE_CASE})
"""Fields whose answer is free text: Rasa takes the whole message for the one being asked (a `from_text` slot)."""
_NO_NEED_FIELDS = frozenset({ProfileField.NAME, ProfileField.COMPANY, ProfileField.ROLE})
"""A stated need ("we need better forecasting") is no name, company or role (stop 23 found the role "We Need
Better Forecasting"): it is re-asked, and the need is the use case when the profile has none."""


_FOLLOW_UP = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|so|cool|great|right|hmm+|thanks|nice)[\s,.!]+)*(?P<lead>and|(?:and\s+)?(?:what|how)\s+about)\s+"
    r"(?P<subject>[^?\n]{1,60}?)\s*\?[\s?!.]*$", re.IGNORECASE)
_PROPER_NOUN = re.compile(r"[A-Z][\w.&-]*")
_ADDRESS = re.compile(r"\S*@\S*")
"""One word with an "@": an (attempted) email address or a handle, no name, company, role or use case."""
_CONTACT = re.compile(
    r"\bmy\s+(?:e-?mail(?:\s+address)?|phone(?:\s+number)?|(?:cell|mobile)(?:\s+number)?)\s*(?:is\b|:)|"
    r"\b[\w.+-]+\s+(?:at|@)\s+[\w-]+\s+dot\s+[a-z]{2,6}\b", re.IGNORECASE)
"""Contact details given in words ("my email is bob at gmail dot com"): until stop 29 that was the role "My Email Is
Bob" (the words after "at" cut as a company's)."""
_MARKUP = re.compile(r"</?[a-z][^<>]{0,80}>|[<>{}]|;\s*--|--\s*$|'\s*\)\s*;", re.IGNORECASE)
"""Markup or code, no words of a visitor's: "I'm <b>Bob</b> from Evil Corp" was the use case and "Robert'); DROP TABLE
leads;--" the role until stop 30 (shown escaped everywhere, but no profile value)."""
_REPEATED = 5
"""A long answer of one or two words repeated ("spam spam spam ...") says nothing: the use case until stop 29."""


def _repeats(raw: str) -> bool:
    words = raw.lower().split()
    return len(words) >= _REPEATED and len(set(words)) <= 2


def is_follow_up(raw: str, field: ProfileField) -> bool:
    """A question that goes on from the visitor's last one ("and Pipedrive?", "ok, what about Dynamics?"): no
    name, company or role. To the use case question "what about lead scoring?" stays an answer; a follow-up
    starting with "and", or about a name ("what about Dynamics?"), is a question."""
    match = _FOLLOW_UP.match(raw[:200])
    if match is None:
        return False
    if field is not ProfileField.USE_CASE:
        return True
    return match.group("lead").lower() == "and" or _PROPER_NOUN.fullmatch(match.group("subject")) is not None


def follow_up_subject(raw: str) -> str | None:
    """What a follow-up question asks about ("Zoho" in "what about zoho?", "Pipedrive" in "and Pipedrive?"), if the
    message is one."""
    match = _FOLLOW_UP.match(raw[:200])
    return match.group("subject") if match else None


def is_question_back(raw: str) -> bool:
    """A question put to the assistant ("what happens next?", "who's asking?", "tell me about lead routing"): no
    name, company, role or use case, though Rasa takes the whole message for the one being asked. "How do we stop
    losing deals?", "Pipeline visibility?" and "What about lead scoring?" are answers phrased as questions, and stay
    answers."""
    return bool(_QUESTION_BACK.match(raw[:500]) or _TELL_ME.match(raw[:500]))


def _clean(raw: str) -> str:
    text = " ".join(raw.split())
    return text.strip(" .!?,;:\"'")


def _strip_lead_in(text: str) -> str:
    return _LEAD_INS.sub("", text, count=1).strip(" .!?,;:")


def _not_an_email_reason(raw: str) -> str:
    """"syntax" for an address with an @ gone wrong, "missing_at" for one without ("bob at gmail dot com",
    "bob.gmail.com"), "no_address" for a reply like "yes please", "sentence" for words that are no attempt at one
    ("I'm a student researching sales tools")."""
    if "@" in raw:
        return "syntax"
    if _clean(raw).lower() in _NOT_AN_ANSWER:
        return "no_address"  # "yes please": no attempt at one (until stop 30, "it needs an @ and a domain")
    if _SPELLED_EMAIL.search(raw) or len(_LETTER_WORD.findall(raw)) < 3:
        return "missing_at"
    return "sentence"


def parse_email(raw: str) -> str:
    match = EMAIL_RE.search(raw)
    if not match and (spelled := spelled_out_email(raw)):
        return spelled  # "dev at orbitlabs dot com" (until stop 33: "that doesn't look like an email address")
    if not match:
        raise InvalidValue("email", _not_an_email_reason(raw))
    email = match.group(0).lower()
    local = email.partition("@")[0]
    if len(email) > 254 or len(local) > 64 or ".." in email or local.startswith(".") or local.endswith("."):
        raise InvalidValue("email", "syntax")
    return email


_TITLES = frozenset({"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "sir", "madam"})
_NO_NAME = re.compile(r"anonymous|anon|no name|nobody|no one|not telling|secret|private|none of your business",
                      re.IGNORECASE)


def parse_name(raw: str) -> str:
    text = _strip_lead_in(_clean(raw))
    if not text or text.lower() in _NOT_AN_ANSWER or len(text) > 80 or re.search(r"[\d@<>{}\[\]/\\]", text):
        raise InvalidValue("name", "unclear")
    if len(text.split()) > 5 or not re.search(r"[^\W\d_]", text) or text.lower().rstrip(".") in _TITLES:
        raise InvalidValue("name", "unclear")  # "🙂", or "Dr" of "Dr. Ana Lopez" (stored until stop 31)
    if _NO_NAME.fullmatch(text):
        raise InvalidValue("name", WITHHELD)  # "anonymous": a refusal (stop 30 stored "Anonymous")
    return text.title() if text.islower() or text.isupper() else text


_PRONOUNS = frozenset({"we", "us", "our", "ours", "i", "me", "my", "mine", "you", "your", "they", "them", "it",
                       "here", "there", "this", "that", "our company", "my company", "the company", "company"})
"""Not a company's name ("We have 2,000 staff" once gave the company "We")."""


def parse_company(raw: str) -> str:
    text = _strip_lead_in(_clean(raw))
    if (not text or text.lower() in _NOT_AN_ANSWER or text.lower() in _PRONOUNS or len(text) > 120
            or not re.search(r"\w", text) or re.search(r"[<>{}]", text)):
        raise InvalidValue("company", "unclear")
    if reason := company_reason(text):  # "it's confidential", "a small agency"
        raise InvalidValue("company", reason)
    return as_company_name(text)


_INTERJECTION = re.compile(r"^(?:(?:cool|ok|okay|great|nice|sure|so|well|yes|yeah|yep|hi|hello|hey|thanks|right|"
                           r"alright|perfect)\s*[,.!]+\s*)+", re.IGNORECASE)
"""A reply's opening "cool." or "ok," is no part of the use case ("cool. we're evaluating tools ..." until stop 29)."""
_UNSURE = re.compile(
    r"^(?:(?:honestly|well|hmm+|um+|erm|uh+)[\s,.!]*)?(?:(?:no idea|not (?:really )?sure|idk|dunno|no clue|"
    r"i (?:really )?don'?t know|good question)(?:\s+(?:yet|really|tbh|honestly))?[\s,.!;-]*)?"
    r"(?:you tell me|what do you (?:suggest|recommend|think)|what (?:can|does) (?:it|you|pipewise) do|"
    r"what (?:are|would be) the options)?$", re.IGNORECASE)
"""An answer that says the visitor does not know yet what they want ("no idea, you tell me"): stored as the use
case until stop 31; now the usual starting points are offered, and the question asked again."""
_NOT_A_NEED = re.compile(
    r"^(?:(?:my|our)\s+(?:boss|manager|ceo|cto|cro|cmo|vp|director|head|team|colleagues?|founder|cofounder)"
    r"\s+(?:asked|told|sent|suggested|recommended|said|wants\s+me\s+to|wanted\s+me\s+to)\b|"
    r"(?:it'?s|it is|this is)\s+(?:just\s+)?for\s+(?:my|our|the)\s+(?:team|boss|company|manager|department)$)",
    re.IGNORECASE)
"""Who asked, or whom it is for, instead of what they want ("my boss asked me to check this out", "it's for my
team"): stored as the use case until stop 31."""


def parse_use_case(raw: str) -> str:
    text = _clean(raw)
    text = stripped if len(stripped := _INTERJECTION.sub("", text)) >= 3 else text
    if len(text) < 3 or not re.search(r"[^\W\d_]", text) or text.lower() in _NOT_AN_ANSWER:
        raise InvalidValue("use_case", "unclear")
    if _UNSURE.fullmatch(text):
        raise InvalidValue("use_case", "unsure")
    if _NOT_A_NEED.match(text) and not mentions_activity(text):  # "... to look at forecasting tools" says one
        raise InvalidValue("use_case", "unclear")
    return text[:MAX_ANSWER_CHARS]


def parse_budget(raw: str) -> dict[str, JSONValue]:
    text = _clean(raw)
    lowered = text.lower()
    currency = next((code for sym, code in _CURRENCIES.items()
                     if (sym in lowered if not sym.isalpha() else re.search(rf"\b{sym}\b", lowered))), None)
    period: str | None = None
    if re.search(r"\b(a|per|each|every)\s+(year|yr|annum)\b|annual|yearly|/\s*(yr|year)\b|\bp\.?a\.?\b", lowered):
        period = "year"
    elif re.search(r"\b(a|per|each|every)\s+(month|mo)\b|monthly|/\s*(mo|month)\b", lowered):
        period = "month"
    numbers = find_numbers(lowered)
    if not numbers:
        if _NO_BUDGET.search(lowered):
            return {"amount": 0, "max": None, "currency": currency, "period": period}
        raise InvalidValue("budget", "no_amount")
    amount = int(numbers[0])
    upper = int(numbers[1]) if len(numbers) > 1 and numbers[1] > numbers[0] else None
    if amount < 0 or amount > 10_000_000_000:
        raise InvalidValue("budget", "out_of_range")
    return {"amount": amount, "max": upper, "currency": currency, "period": period}


def parse_phone(raw: str) -> str:
    digits = re.sub(r"[^\d+]", "", raw)
    plus = digits.startswith("+")
    digits = digits.replace("+", "")
    if not 7 <= len(digits) <= 15:
        raise InvalidValue("phone", "syntax")
    return ("+" if plus else "") + digits


Parser = Callable[[str, datetime], JSONValue]

PARSERS: dict[ProfileField, Parser] = {
    ProfileField.NAME: lambda raw, _now: parse_name(raw),
    ProfileField.EMAIL: lambda raw, _now: parse_email(raw),
    ProfileField.COMPANY: lambda raw, _now: parse_company(raw),
    ProfileField.ROLE: lambda raw, _now: normalise_role(raw),
    ProfileField.COMPANY_SIZE: lambda raw, _now: parse_company_size(raw),
    ProfileField.BUDGET: lambda raw, _now: parse_budget(raw),
    ProfileField.TIMELINE: parse_timeline,
    ProfileField.USE_CASE: lambda raw, _now: parse_use_case(raw),
    ProfileField.PHONE: lambda raw, _now: parse_phone(raw),
}


def normalise(field: ProfileField, raw: str, now: datetime, *, connectors: Sequence[str] = ()) -> JSONValue:
    """Validate and normalise one answer; raises `InvalidValue` with a reason code. `connectors`: the tools the
    product connects to (`Business.connectors`), which are no one's role."""
    if not raw or not raw.strip():
        raise InvalidValue(field.value, "empty")
    if len(raw) > 2_000:
        raise InvalidValue(field.value, "too_long")
    if asks_to_ask(raw):  # "can I ask a question first?": no answer, an invitation to ask (stop 30: the use case)
        raise InvalidValue(field.value, "ask_away")
    if field is not ProfileField.EMAIL and asks_to_be_sent(raw):  # "can you email me more info?" (stop 31: use case)
        raise InvalidValue(field.value, SEND_INFO)
    if is_objection(raw):  # "it's too expensive for us" to the role question (stop 31: the role "It's Too Expensive")
        raise InvalidValue(field.value, OBJECTION)
    if (field in FREE_TEXT_FIELDS or (field is ProfileField.EMAIL and "@" not in raw)) and is_question_back(raw):
        raise InvalidValue(field.value, "question")  # "do you have customers in healthcare?" to the email question
    if field in FREE_TEXT_FIELDS and is_follow_up(raw, field):
        raise InvalidValue(field.value, "question")
    if field in FREE_TEXT_FIELDS and _TOLD_BEFORE.match(raw.strip()):
        raise InvalidValue(field.value, "told_before")
    if field in FREE_TEXT_FIELDS and is_remark(raw):  # "you're a stupid bot" (stop 34: the use case)
        raise InvalidValue(field.value, "remark")
    if field in FREE_TEXT_FIELDS and declines_all(raw):  # "no questions please" (stop 34: the role)
        raise InvalidValue(field.value, WITHHELD)
    if field is ProfileField.ROLE and names_only_tools(raw, connectors):  # "mostly salesforce" (stop 31: the role)
        raise InvalidValue(field.value, "tool")
    if field in _NO_NEED_FIELDS and opens_with_need(raw):
        raise InvalidValue(field.value, "need")
    if field in FREE_TEXT_FIELDS and (_ADDRESS.fullmatch(raw.strip()) or _CONTACT.search(raw)):
        raise InvalidValue(field.value, "address")  # "tom.wayne@example" to the use-case question (stop 27: stored)
    if field in FREE_TEXT_FIELDS and (_repeats(raw) or _MARKUP.search(raw[:MAX_ANSWER_CHARS])):
        raise InvalidValue(field.value, "unclear")
    try:
        return PARSERS[field](raw, now)
    except InvalidValue:
        if field not in FREE_TEXT_FIELDS and is_question_back(raw):  # "when can I start?" to the timeline question
            raise InvalidValue(field.value, "question") from None  # (stop 28: "I didn't catch the timing")
        raise
