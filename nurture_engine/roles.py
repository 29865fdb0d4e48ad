"""Role answers to a normalised title and a seniority level."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .connectors import named
from .errors import InvalidValue

# (pattern, canonical title or None to keep the user's words, seniority)
_KNOWN: tuple[tuple[str, str | None, str], ...] = (
    (r"\b(student|phd|undergrad\w*|grad student|thesis)\b", "Student", "student"),
    # a place of study given as the role ("I'm at university"): the NLU tags the place, the person studies there
    (r"^(?:at |in )?(?:the |a )?(university|uni|college|school)$", "Student", "student"),
    (r"\b(job[- ]?seeker|job[- ]?hunting|looking for (a )?(new )?(job|work|position|role)|unemployed|between jobs)\b",
     "Job seeker", "none"),
    # not one who researches or owns something at work ("UX Researcher", "Product Owner": titles of their own)
    (r"\b((?<!ux )(?<!user )(?<!market )(?<!product )(?<!customer )researcher|academic|professor|lecturer)\b",
     "Researcher", "none"),
    (r"\b(co-?founder|founder|(?<!product )(?<!process )(?<!account )(?<!data )(?<!service )owner)\b", "Founder",
     "c_level"),
    (r"\bceo\b|chief executive", "Chief Executive Officer", "c_level"),
    (r"\bcto\b|chief technology", "Chief Technology Officer", "c_level"),
    (r"\bcro\b|chief revenue", "Chief Revenue Officer", "c_level"),
    (r"^(?:the\s+)?(?:big\s+)?boss$", "Owner", "c_level"),  # "the boss": until stop 31 "the Boss", individual
    (r"^i\s+(?:run|own)\s+(?:a|an|my|our|the)\s+(?:[\w-]+\s+){0,2}(?:agency|business|company|firm|shop|startup|"
     r"consultancy|studio|practice)\b", "Owner", "c_level"),  # "I run a small agency" (stop 31: its own title)
    (r"\bcmo\b|chief marketing", "Chief Marketing Officer", "c_level"),
    (r"\bcfo\b|chief financial", "Chief Financial Officer", "c_level"),
    (r"\bcoo\b|chief operating", "Chief Operating Officer", "c_level"),
    # "I'm the MD" was a title "MD" at the individual level until stop 34
    (r"\bmd\b|\bmanaging director\b", "Managing Director", "c_level"),
    (r"\bgm\b|\bgeneral manager\b", "General Manager", "director"),
    (r"\bsdr\b|sales development", "Sales Development Representative", "individual"),
    (r"\bbdr\b|business development rep", "Business Development Representative", "individual"),
    (r"\bae\b|account executive", "Account Executive", "individual"),
)
_ACTIVITY = (r"(?:routing|forecast(?:ing|s)?|scoring|reporting|tracking|nurtur\w*|automat\w*|follow[- ]?ups?|"
             r"analytics|dashboards?|visibility|attribution|enrichment|dedup\w*|integrations?|sync\w*|"
             r"workflows?|alerts|insights|generation|gen)")
_LEAD_RANK = rf"lead(?!\s+{_ACTIVITY}\b)"
""""lead" as a rank ("Team Lead", "Lead Engineer"), not before an activity ("Lead Scoring Analyst", "lead routing")."""
_SENIORITY: tuple[tuple[str, str], ...] = (
    (r"\b(chief|c-level|president)\b", "c_level"),
    (r"\b(svp|evp|vp|vice president)\b", "vp"),
    (r"\b(head|director)\b", "director"),
    (rf"\b(manager|{_LEAD_RANK}|leader|principal|supervisor)\b", "manager"),
    (r"\b(intern|junior|trainee)\b", "junior"),
)
_ABBREVIATIONS = {
    "revops": "Revenue Operations", "rev ops": "Revenue Operations", "salesops": "Sales Operations",
    "sales ops": "Sales Operations", "marketing ops": "Marketing Operations", "vp": "VP",
    "svp": "SVP", "evp": "EVP", "it": "IT", "hr": "HR", "ops": "Operations", "mgr": "Manager",
}
_LEAD_IN = re.compile(
    r"^(?:i\s*am|i'm|im|i\s+work\s+as|i\s+work(?=\s+(?:in|on)\s)|i'm\s+working\s+as|my\s+role\s+is|"
    r"my\s+title\s+is|role:?|title:?)"
    r"\s+(?:(?:a|an|the)\s+)?",
    re.IGNORECASE,
)
_IN_DEPARTMENT = re.compile(r"^(?:in|on)\s+(?!charge\b)(?:the\s+)?(?=\w)", re.IGNORECASE)
""""I'm in finance": the department is the role ("In Finance" until stop 21)."""
_NOT_A_ROLE = frozenset({"yes", "no", "ok", "okay", "sure", "yeah", "yep", "nope", "hi", "hello", "thanks",
                         "maybe", "idk", "none", "nothing"})
_PLACE = r"\s+(?:at|for|with|in)\s+.*"
"""Where the job is held, after the title ("CTO at Globex")."""
_TRAILER = re.compile(_PLACE + "$", re.IGNORECASE)
_NEED_NOT_ROLE = re.compile(rf"\b{_ACTIVITY}\b", re.IGNORECASE)
_JOB_WORD = re.compile(
    rf"\b(?:{_LEAD_RANK}|leader|manager|mgr|head|director|vp|svp|evp|chief|officer|president|founder|"
    r"owner|partner|principal|engineer|developer|analyst|architect|designer|consultant|specialist|coordinator|"
    r"associate|administrator|admin|assistant|advisor|strategist|marketer|recruiter|accountant|rep|representative|"
    r"executive|intern|student|ops|operations|revops|salesops|sdr|bdr|ae|c[eitfmors]o)\b", re.IGNORECASE)
""""lead routing" or "pipeline forecasting" to "what's your role?" is what the visitor wants, with no job word: no
title (until stop 28, "Lead Routing" at the manager level). "Lead Scoring Analyst" and "Head of Lead Generation"
are titles."""
_NO_TITLE = re.compile(
    r"^(?:i|it|it'?s|its|that|that'?s|this|we|we'?re|you|same|depends|complicated|long story|just|only|me|myself"
    r"|us|my)\b|\d|"
    r"\b(?:who|which|everything|anything|something|stuff|complicated|before|nothing)\b", re.IGNORECASE)
"""Words of a reply that is no job title when it has no job word: a sentence ("I do a bit of everything", "it's
complicated"), a number ("team of 5"), a description ("the one who signs the checks"). Each was stored as the
title until stop 31."""
_VERB = (r"\bi\s+(?:(?P<head>head(?:\s+up)?|run|oversee|own)|(?P<lead>lead)|(?P<manage>manage))"
         r"\s+(?:the\s+|our\s+|my\s+)?")
_TEAM_WORD = r"(?:\s+(?:team|department|dept|function|side))?"
_BY_VERB = re.compile(_VERB + r"(?!(?:a|an)\b)(?P<team>[^\W\d_][\w&/ -]*?)" + _TEAM_WORD + "$", re.IGNORECASE)
"""A team one runs: "I head up sales ops" is the Head of Sales Operations, "I manage marketing" a Marketing Manager
(until stop 27, both were the department's title at the individual level). Not "I run a small agency": a business."""


def names_activity(text: str) -> bool:
    """Whether a role answer names what the visitor wants done ("lead routing") rather than a job."""
    return bool(_NEED_NOT_ROLE.search(text)) and not _JOB_WORD.search(text)


def mentions_activity(text: str) -> bool:
    """Whether the text names something to get done ("forecasting", "lead routing")."""
    return bool(_NEED_NOT_ROLE.search(text))


def names_only_tools(text: str, connectors: Sequence[str]) -> bool:
    """Whether a role answer names a tool the product connects to and no job ("mostly salesforce", "HubSpot"):
    what the team works with, not the visitor's title ("Salesforce admin" is one)."""
    return bool(connectors) and bool(named(text[:200], connectors)) and not _JOB_WORD.search(text[:200])


def role_in_message(message: str, role: str) -> str | None:
    """The words of `message` that say the NLU's `role` with the verb of running it ("I run marketing" for
    "marketing"), if any: the verb gives the seniority that the department alone lacks."""
    words = " ".join(role.split())
    if not words:
        return None
    found = re.search(_VERB + re.escape(words) + _TEAM_WORD + r"\b", message, re.IGNORECASE)
    return found.group(0) if found else None


_TEAM_OF = re.compile(_VERB + r"(?:a|an)\s+(?:(?:small|big|large|growing)\s+)?team\s+of\s+(?:\d+|two|three|four|five|"
                      r"six|seven|eight|nine|ten|twelve|twenty)?\s*(?P<members>[^\W\d_][\w-]*?(?:\s+[^\W\d_][\w-]*?)?)s?"
                      + f"(?:{_PLACE})?$",
                      re.IGNORECASE)
"""The team one leads, by its members: "I lead a team of 6 AEs" is an AE Team Lead (stop 34 stored the title "I
Lead A Team of 6 Aes")."""
_MEMBERS = {"ae": "AE", "sdr": "SDR", "bdr": "BDR", "csm": "CSM", "am": "Account Manager", "rep": "Sales Rep"}


def _by_verb(text: str) -> dict[str, str] | None:
    team_of = _TEAM_OF.match(text)
    if team_of:
        members = team_of.group("members")
        team = _MEMBERS.get(members.lower()) or _title_case(members)
        return {"title": f"{team} Team {'Manager' if team_of.group('manage') else 'Lead'}", "seniority": "manager"}
    found = _BY_VERB.match(text)
    if not found:
        return None
    team = _title_case(_TRAILER.sub("", found.group("team")))
    if found.group("head"):
        return {"title": f"Head of {team}", "seniority": "director"}
    if found.group("lead"):
        return {"title": f"{team} Lead", "seniority": "manager"}
    return {"title": f"{team} Manager", "seniority": "manager"}


def _title_case(text: str) -> str:
    words = []
    for word in text.split():
        key = word.lower()
        if key in _ABBREVIATIONS:
            words.append(_ABBREVIATIONS[key])
        elif key in {"of", "and", "for", "the"}:
            words.append(key)
        else:
            words.append(word if word.isupper() and len(word) <= 4 else word.capitalize())
    title = " ".join(words)
    for short, full in _ABBREVIATIONS.items():
        if " " in short:
            title = re.sub(rf"\b{short}\b", full, title, flags=re.IGNORECASE)
    return title


def normalise_role(raw: str) -> dict[str, str]:
    text = " ".join(raw.split()).strip(" .!?,;:")
    by_verb = _by_verb(text) if len(text) <= 120 else None
    if by_verb is not None:
        return by_verb
    text = _IN_DEPARTMENT.sub("", _LEAD_IN.sub("", text, count=1), count=1)
    lowered = text.lower()
    if not text or lowered in _NOT_A_ROLE or len(text) > 120 or not re.search(r"[^\W\d_]", text):
        raise InvalidValue("role", "unclear")
    if names_activity(text):
        raise InvalidValue("role", "need")
    ranked = any(re.search(pattern, lowered) for pattern, level in _SENIORITY if level != "junior")
    for pattern, title, seniority in _KNOWN:
        if re.search(pattern, lowered) and not (seniority == "individual" and ranked):
            # a rank over the reps is the user's own title ("Head of Sales Development", "SDR Manager"): until
            # stop 29 both were a Sales Development Representative at the individual level
            return {"title": title or _title_case(text), "seniority": seniority}
    if _NO_TITLE.search(text) and not _JOB_WORD.search(text) and not text.startswith("IT"):  # "team of 5"
        raise InvalidValue("role", "unclear")
    core = _TRAILER.sub("", text)
    if len(core.split()) > 8:
        raise InvalidValue("role", "unclear")
    seniority = next((level for pattern, level in _SENIORITY if re.search(pattern, lowered)), "individual")
    return {"title": _title_case(core), "seniority": seniority}
