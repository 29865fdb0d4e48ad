"""Facts volunteered in passing: a company size, a budget, a timeline or a need inside a longer message, and a name
in a message that is only an introduction.

"I'm Dana, head of RevOps at Brightloop, about 300 people, we want to go live next month" carries a company
size and a timeline that the NLU's entity extractor, trained mostly on short answers, often misses. These
patterns are deliberately narrow (a number *of people*, an amount *near the word budget*, a *dated* timeline):
a fact they find is kept only when the field's own parser accepts it, and a field the NLU already filled
is never replaced. What they miss is simply asked later.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime

from .company import with_me_phrase
from .domain import ProfileField
from .employer import named_workplace, without_anothers_company
from .errors import InvalidValue
from .needs import stated_need
from .normalize import normalise
from .quote import names_users
from .roles import names_activity, normalise_role
from .spelled_email import only_the_email
from .timeline import named_time

SCAN_CHARS = 2_000
"""Only the start of a (possibly huge) message is scanned: the patterns stay linear and bounded."""

_NUM = (r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?\s?k?|(?:a\s+)?(?:few|several|couple(?:\s+of)?)\s+(?:hundred|thousand)"
        r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
        r"|sixty|a\s+hundred|hundred|a\s+thousand|thousand|a\s+dozen|dozen)")
_APPROX = r"(?:(?:about|around|roughly|approximately|approx\.?|nearly|almost|over|more\s+than|under|less\s+than" \
          r"|fewer\s+than|some|~)\s*)?"
_SIZE = re.compile(
    rf"(?<![\w$€£]){_APPROX}{_NUM}(?:\s*(?:-|\u2013|to)\s*{_NUM})?\s*\+?\s*"
    r"(?:people|employees|staff(?:ers)?|persons|workers|ftes?|headcount|-?\s?person\s+(?:company|business|firm"
    r"|startup|org(?:anisation|anization)?|agency|shop))\b"
    rf"|\b(?:company|business|firm|startup|organi[sz]ation|agency|headcount)\s+(?:of|is)\s+{_APPROX}{_NUM}\b"
    # "a 300-person fintech": any kind of business after the hyphenated count, not a team (stop 31)
    rf"|(?<![\w$€£]){_APPROX}\d[\d,]*-person\s+(?!teams?\b|squads?\b|groups?\b|departments?\b)[^\W\d_]+",
    re.IGNORECASE,
)
_TEAM_BEFORE = re.compile(r"\bteams?\s+(?:of\s+)?$", re.IGNORECASE)
_TEAM_AFTER = re.compile(r"\s*(?:on|in)\s+(?:my|our|the|a)\s+(?:\w+\s+)?team", re.IGNORECASE)
# people who are not the company's staff: "I talked to 3 people", "pricing for 10 people", "hiring 20 people"
_NOT_STAFF_BEFORE = re.compile(r"\b(?:saw|seen|met|talked|spoke|asked|told|heard|emailed|called|invited|hired|hiring"
                               r"|interviewed|need|needs|add|adding|onboard\w*|for|train\w*|only)\b[\w\s]{0,12}$",
                               re.IGNORECASE)

_AMOUNT = (r"(?:[$€£]\s?\d[\d,.]*\s?(?:k|m|million|thousand)?\b"
           r"(?:\s*(?:-|\u2013|to)\s*[$€£]?\s?\d[\d,.]*\s?(?:k|m)?\b)?"
           r"|\d[\d,.]*\s?(?:k|m|million|thousand)?\s?(?:usd|eur|gbp|dollars|euros|pounds|bucks|quid)\b"
           r"|\d[\d,.]*\s?(?:k|m)\b)")
_PERIOD = (r"(?:\s*(?:(?:a|per|each|every)\s+(?:year|yr|annum|month|mo)\b|annually|yearly|monthly"
           r"|/\s?(?:yr|year|mo|month)\b))?")
_BUDGET_WORD = re.compile(r"\bbudget\w*|\b(?:can|could|able\s+to|willing\s+to|plan\s+to|happy\s+to)\s+"
                          r"(?:spend|afford|invest|pay)\b|\ballocated\b", re.IGNORECASE)
_BUDGET_AMOUNT = re.compile(_AMOUNT + _PERIOD, re.IGNORECASE)
_BARE_BUDGET = re.compile(r"\bbudget\w*\s+(?:(?:is|of|was|around|about|maybe|roughly|approx\w*|up\s+to|~)\s*)*"
                          r"(?P<amount>\d[\d,.]*(?:\s?(?:k|m)\b)?" + _PERIOD + ")", re.IGNORECASE)
"""A number without a currency right after "budget": "budget maybe 500/month" (the use case until stop 30)."""
_NO_BUDGET = re.compile(r"\bno budget\b", re.IGNORECASE)

_COUNT = r"(?:\d+|a|an|one|two|three|four|five|six|nine|twelve|a\s+few|a\s+couple\s+of|couple\s+of)"
_TIMELINE = re.compile(
    rf"\b(?:within|in|over)\s+(?:the\s+)?(?:next\s+)?{_COUNT}\s+(?:weeks?|months?|quarters?)\b"
    r"|\b(?:next|this)\s+(?:month|quarter)\b|\bnext\s+year\b"
    r"|\b(?:by|before|in|for|during|early|late|start\s+of|end\s+of)\s+(?:the\s+)?q[1-4]\b"
    r"|\b(?:by|before)\s+(?:the\s+)?end\s+of\s+(?:the\s+)?(?:month|quarter|year)\b"
    r"|\basap\b|\bas\s+soon\s+as\s+possible\b|\bno\s+rush\b|\bno\s+(?:fixed\s+)?timeline\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[^.!?;\n]+")
_A_PERIOD = re.compile(r"(?:q[1-4]|h[12]|fy\s?\d{2,4})(?:\s*(?:19|20)?\d\d)?|(?:19|20)\d\d", re.IGNORECASE)
_EMAIL_ATTEMPT = re.compile(r"(?<![\w.@+-])[\w.+-]+@[\w@.-]*\w")
"""A word with an "@" between letters: an email address, typed right or not (until stop 30 "sam@@acme.com" after
the questions got "Thanks, noted." and was dropped)."""


def _size(text: str) -> str | None:
    for match in _SIZE.finditer(text):
        before = text[max(0, match.start() - 24):match.start()]
        if _TEAM_BEFORE.search(before) or _TEAM_AFTER.match(text, match.end()):  # a team is not the company
            continue
        if not _NOT_STAFF_BEFORE.search(before):
            return match.group(0)
    return with_me_phrase(text)


def _budget(text: str) -> str | None:
    for clause in _CLAUSE.finditer(text):
        words = clause.group(0)
        if _BUDGET_WORD.search(words):
            amount = _BUDGET_AMOUNT.search(words)
            if amount:
                return amount.group(0)
            bare = _BARE_BUDGET.search(words)
            if bare:
                return bare.group("amount")
        no_budget = _NO_BUDGET.search(words)
        if no_budget:
            return no_budget.group(0)
    return None


_PAST = re.compile(r"\b(?:started|began|launched|signed|joined|bought|switched|was|were|did|had|last|ago|since)\b",
                   re.IGNORECASE)
"""Words of a clause about the past: "we started with HubSpot in January" names no plan."""


def _timeline(text: str) -> str | None:
    match = _TIMELINE.search(text)
    if match:
        return match.group(0)
    named = (named_time(clause) for clause in _CLAUSE.findall(text) if not _PAST.search(clause))
    return next((phrase for phrase in named if phrase), None)


_INTRODUCTION = re.compile(
    r"\W*(?:(?:hi|hello|hey|sure|ok|okay|yes|yeah|yep|well|oh|so)\b[\s,!.]*){0,2}"
    r"(?:(?:my\s+name\s+is|my\s+name's|name's|i'm|i\u2019m|i\s+am|im|call\s+me)\s+"
    r"(?P<name>[^\W\d_][\w'\u2019-]*(?:\s+[^\W\d_][\w'\u2019-]*){0,2})"
    r"|(?P<here>[^\W\d_][\w'\u2019-]*(?:\s+[^\W\d_][\w'\u2019-]*)?)\s+here)[\s.!]*", re.IGNORECASE)
_NOT_NAMES = frozenset("""sales marketing finance operations ops engineering product support it hr legal revops
here back new fine good great ok okay sure interested sorry ready done busy curious confused lost happy glad just
not only also still currently looking the a an in at with from on for""".split())


def introduced_name(text: str) -> str | None:
    """The name of a message that is only an introduction, "Sure, I'm Maya" (the NLU misses some short names), or
    opens with one, ended by a stop or a comma ("Hi! I'm Noor. Quick question: …" kept no name until stop 34): each
    word capitalised as typed, none a department, a state or a role ("I'm Fine", "I'm Sales", "I'm CTO")."""
    text = text.strip()
    match = _INTRODUCTION.fullmatch(text) or _INTRODUCTION.match(text)
    if not match or not (match.end() == len(text) or match.group(0).rstrip().endswith((".", "!"))
                         or text[match.end():].lstrip()[:1] in {",", ";", ":"}):
        return None
    name = match.group("name") or match.group("here")  # "hello! Ayesha here" kept no name until stop 33
    words = name.split()
    if any(not w[0].isupper() or w.lower() in _NOT_NAMES for w in words):
        return None
    try:
        role = normalise_role(name)
    except InvalidValue:
        return None
    return name if role["seniority"] == "individual" and role["title"].lower() == name.lower() else None


_FINDERS = {ProfileField.COMPANY_SIZE: _size, ProfileField.BUDGET: _budget, ProfileField.TIMELINE: _timeline,
            ProfileField.USE_CASE: stated_need, ProfileField.NAME: introduced_name,
            ProfileField.COMPANY: named_workplace}
ONLY_WHEN_UNKNOWN = frozenset({ProfileField.USE_CASE})
"""Fields whose volunteered value never replaces one the profile has: a stated need is free text, and a later
"we need X" in passing is more likely a detail than a new use case."""


def volunteered_facts(message: str | None, now: datetime) -> dict[ProfileField, str]:
    """The company size, budget, timeline, use case, name and company that `message` states, as the words that state
    them; only those the field's parser accepts."""
    if not message:
        return {}
    text = message[:SCAN_CHARS]
    found: dict[ProfileField, str] = {}
    for profile_field, finder in _FINDERS.items():
        raw = finder(text)
        if raw is None:
            continue
        try:
            normalise(profile_field, raw, now)
        except InvalidValue:
            continue
        found[profile_field] = raw.strip()
    return found


def _refines(profile_field: ProfileField, answer: str, raw: str, now: datetime) -> bool:
    """Whether `raw` says what `answer` says and more: "about 20k" taken by the NLU from "budget about 20k per
    year" agrees with "20k per year" on every part it has, and lacks the period; or `raw` is the range `answer`
    is one end of (`widens`)."""
    try:
        given, found = normalise(profile_field, answer, now), normalise(profile_field, raw, now)
    except InvalidValue:
        return False
    if not isinstance(given, dict) or not isinstance(found, dict):
        return False
    if widens(given, found):
        return True
    known = {k: v for k, v in given.items() if v is not None}
    return all(found.get(k) == v for k, v in known.items()) and len(known) < sum(v is not None for v in found.values())


def widens(given: Mapping[str, object], found: Mapping[str, object]) -> bool:
    """Whether `found` is a range that `given`, one number, is an end of, and agrees with it otherwise: the NLU read
    "10" of "10-50" (company size) and "20k a year" of "between 10 and 20k a year" (budget), stored as one number
    until stop 30."""
    low, high = ("min", "max") if "min" in given else ("amount", "max")
    one = given.get(low) if given.get(high) in (None, given.get(low)) else None
    if one is None or found.get(high) is None or found.get(low) == found.get(high):
        return False
    others = [k for k, v in given.items() if k not in (low, high) and v is not None]
    return one in (found.get(low), found.get(high)) and all(found.get(k) == given[k] for k in others)


def with_volunteered(answers: Mapping[ProfileField, str], message: str | None, now: datetime,
                     known: Collection[ProfileField] = ()) -> dict[ProfileField, str]:
    """`answers` plus the facts `message` volunteers for fields the answers leave empty, or state less fully
    (not the `ONLY_WHEN_UNKNOWN` fields among `known`, nor their answers, unless the answer is a fragment of what is
    volunteered: the NLU's use case "better" of "we need better forecasting by Q2", which is given either way).
    A role answer that names an activity ("lead routing") is the use case when neither the answers nor `known` has
    one."""
    merged = dict(answers)
    for profile_field, raw in volunteered_facts(message, now).items():
        answer = merged.get(profile_field)
        if profile_field in ONLY_WHEN_UNKNOWN:
            taken = _fragment_of(answer, raw) if answer is not None else profile_field not in known
        else:
            taken = (answer is None or _refines(profile_field, answer, raw, now)
                     or _team_not_company(profile_field, answer)
                     # the NLU's "just me" of "just me and my sister": a company of 1 until stop 33
                     or (profile_field is ProfileField.COMPANY_SIZE and _fragment_of(answer, raw)))
        if taken:
            merged[profile_field] = raw
    attempt = _email_attempt(message) if ProfileField.EMAIL not in merged else None
    if attempt:  # "sam@@acme.com", which the NLU does not read: checked, so a typo gets "doesn't look valid"
        merged[ProfileField.EMAIL] = attempt
    role = merged.get(ProfileField.ROLE)
    if (role is not None and ProfileField.USE_CASE not in merged and ProfileField.USE_CASE not in known
            and len(role) <= 120 and names_activity(role)):
        merged[ProfileField.USE_CASE] = role  # "lead routing" to "what's your role?": what they want, no title
    return merged


def _email_attempt(message: str | None) -> str | None:
    """A word with an "@" and a letter after it; not in a message that sets an intent ("/opt_out@0.45")."""
    if not message or message.lstrip().startswith("/"):
        return None
    found = _EMAIL_ATTEMPT.search(message[:SCAN_CHARS])
    if found is None or not re.search(r"[^\W\d_]", found.group(0).partition("@")[2]):
        return None
    return found.group(0)


def only_new_needs(answers: Mapping[ProfileField, str], given: Collection[ProfileField],
                   known: Collection[ProfileField]) -> dict[ProfileField, str]:
    """`answers` without the `ONLY_WHEN_UNKNOWN` fields that only the message volunteered (not among `given`)
    and the profile already has (`known`)."""
    return {f: raw for f, raw in answers.items() if f in given or f not in ONLY_WHEN_UNKNOWN or f not in known}


def _fragment_of(answer: str, raw: str) -> bool:
    """Whether `answer` is some of `raw`'s words, in order, and not all of them."""
    part, whole = " ".join(answer.lower().split()), " ".join(raw.lower().split())
    return part != whole and f" {part} " in f" {whole} "


_TEAM = re.compile(r"\bteams?\b", re.IGNORECASE)


def _team_not_company(profile_field: ProfileField, answer: str) -> bool:
    """A company size the NLU read from a team's ("a team of 12" in "we're a team of 12 at a 500-person
    company"), where the message also states the company's (which `_size` reads, skipping teams)."""
    return profile_field is ProfileField.COMPANY_SIZE and bool(_TEAM.search(answer))


def without_tools(answers: Mapping[ProfileField, str], tools: Collection[str],
                  asked: ProfileField | None) -> dict[ProfileField, str]:
    """`answers` without a company that is one of the business's own tools, said in passing ("can we import data
    from Google Sheets?": the NLU read "Google Sheets" as the visitor's company). Given to the company question
    ("Salesforce" to "which company are you with?"), it stays."""
    company = answers.get(ProfileField.COMPANY)
    if company is None or asked is ProfileField.COMPANY:
        return dict(answers)
    if " ".join(company.lower().split()) not in {" ".join(tool.lower().split()) for tool in tools}:
        return dict(answers)
    return {f: raw for f, raw in answers.items() if f is not ProfileField.COMPANY}


def without_misreadings(answers: Mapping[ProfileField, str], tools: Collection[str],
                        asked: ProfileField | None, message: str | None = None) -> dict[ProfileField, str]:
    """`answers` without what the NLU misread in passing: a company that is one of the business's tools
    (`without_tools`), and a company size that counts the product's users ("what would it cost us for 12 reps?"
    gave the company size 12, over the 250 stored, until stop 29), and a company that names a quarter or a year
    ("want something live by Q2" gave the company "Q2" until stop 30). Given to its own question, each stays. A
    company the message gives to someone else ("our main customer is Tesco", employer.py) goes whatever was asked."""
    answers = only_the_email(without_anothers_company(without_tools(answers, tools, asked), message), message)
    company = answers.get(ProfileField.COMPANY)
    if company is not None and asked is not ProfileField.COMPANY and _A_PERIOD.fullmatch(company.strip()):
        answers = {f: raw for f, raw in answers.items() if f is not ProfileField.COMPANY}  # "live by Q2": no company
    size = answers.get(ProfileField.COMPANY_SIZE)
    if size is None or asked is ProfileField.COMPANY_SIZE or not names_users(size):
        return answers
    return {f: raw for f, raw in answers.items() if f is not ProfileField.COMPANY_SIZE}
