"""What happens next, for a visitor who asks ("what happens next?", "when will I hear from you?"): the answer
depends on where the lead stands, so the assistant never promises a call nobody was asked to make."""

from __future__ import annotations

import re
from enum import Enum

from .domain import ConsentStatus, Lead, ProfileField, Stage


class NextStep(Enum):
    """Where the lead stands, as far as what comes next goes (the action maps each to its response)."""

    CLAIMED = "claimed"
    """A sales person has claimed the lead: they will be in touch (automated follow-ups have stopped)."""
    REQUESTED = "requested"
    """A demo or a call was asked for: the team follows up by email, and the meeting link is there meanwhile."""
    MEETING = "meeting"
    """Sales-ready (mql or sql) without a request: a short call is the next step, the visitor's to book."""
    EXPLORE = "explore"
    """Nothing happens unless the visitor asks: questions, a demo, or a call with sales, whenever they like."""
    OPTED_OUT = "opted_out"
    """The visitor asked for no messages: nothing is sent; they can still ask here or book a demo."""


def next_step(lead: Lead) -> NextStep:
    """The next step for the lead, most committed first."""
    if lead.owner:
        return NextStep.CLAIMED
    if lead.demo_requested_at is not None:
        return NextStep.REQUESTED
    if lead.consent.status is ConsentStatus.OPTED_OUT:
        return NextStep.OPTED_OUT
    if lead.stage in (Stage.MQL, Stage.SQL):
        return NextStep.MEETING
    return NextStep.EXPLORE


def contact_email(lead: Lead) -> str | None:
    """The address a follow-up goes to, when the lead gave one."""
    email = lead.profile.get(ProfileField.EMAIL)
    return email.value if email is not None and isinstance(email.value, str) else None


_TRIAL = re.compile(r"\b(?:trial|try\s+(?:it|pipewise|it\s+out|you\s+out)|sign(?:\s|-)?(?:me\s+)?up|free\s+account|"
                    r"create\s+an?\s+account|free\s+version|for\s+free)\b", re.IGNORECASE)
_DEMO = re.compile(r"\b(?:demo|call|meeting|walk\s*through|talk|speak)\b", re.IGNORECASE)


def asks_for_trial(text: str) -> bool:
    """Whether a request to get started asks for the free trial, not a demo ("can I try it for free?"): the NLU gives
    both `request_demo`, and until stop 34 a trial request heard "let's set up a demo"."""
    return bool(_TRIAL.search(text[:500])) and not _DEMO.search(text[:500])
