"""Domain values: frozen dataclasses and enums. Strings only at the edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

JSONValue = Any


class ProfileField(str, Enum):
    NAME = "name"
    EMAIL = "email"
    COMPANY = "company"
    ROLE = "role"
    COMPANY_SIZE = "company_size"
    BUDGET = "budget"
    TIMELINE = "timeline"
    USE_CASE = "use_case"
    PHONE = "phone"


QUALIFYING_FIELDS: tuple[ProfileField, ...] = tuple(f for f in ProfileField if f is not ProfileField.PHONE)


HANDOFF_INTENTS = frozenset({"human_handoff", "contact_sales"})
"""Intents that ask for a person: they raise a sales alert."""
REQUEST_INTENTS = HANDOFF_INTENTS | {"request_demo"}
"""Intents of a demo, sales or person request: each opens the demo form, which asks for an email."""
PRIVACY_INTENTS = frozenset({"privacy_request"})
"""A visitor asks in chat for erasure or a copy of their data: staff are alerted, whatever the lead's stage."""
STAFF_INTENTS = HANDOFF_INTENTS | PRIVACY_INTENTS
"""Intents the alert watcher reads from the interactions."""


class Stage(str, Enum):
    NEW = "new"
    ENGAGED = "engaged"
    MQL = "mql"
    SQL = "sql"
    CUSTOMER = "customer"
    DISQUALIFIED = "disqualified"


class ConsentStatus(str, Enum):
    UNKNOWN = "unknown"
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


class Channel(str, Enum):
    WEB = "web"
    TELEGRAM = "telegram"
    SLACK = "slack"
    REST = "rest"


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetimes are refused; pass a timezone-aware datetime")
    return at


@dataclass(frozen=True, kw_only=True, slots=True)
class Identity:
    channel: Channel
    sender_id: str


@dataclass(frozen=True, kw_only=True)
class FieldValue:
    """A normalised profile fact with its provenance."""

    field: ProfileField
    value: JSONValue
    raw: str
    conversation_id: str
    at: datetime

    def __post_init__(self) -> None:
        _aware(self.at)


@dataclass(frozen=True, kw_only=True)
class Consent:
    status: ConsentStatus
    at: datetime | None = None
    source: str | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Interaction:
    kind: str
    at: datetime
    channel: Channel
    sender_id: str
    intent: str | None = None
    data: dict[str, JSONValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _aware(self.at)


@dataclass(frozen=True, kw_only=True)
class Lead:
    id: str
    stage: Stage
    score: float
    consent: Consent
    created_at: datetime
    profile: dict[ProfileField, FieldValue] = field(default_factory=dict)
    refused: frozenset[ProfileField] = frozenset()
    identities: tuple[Identity, ...] = ()
    demo_requested_at: datetime | None = None
    message_count: int = 0  # user messages scored so far (kept by the behaviour consumer)
    owner: str | None = None  # the sales person who claimed the lead (automated follow-ups stop)

    @property
    def seniority(self) -> str | None:
        """The seniority level of the stored role (`roles.normalise_role`), if any."""
        role = self.profile.get(ProfileField.ROLE)
        value = role.value if role is not None else None
        level = value.get("seniority") if isinstance(value, dict) else None
        return level if isinstance(level, str) else None


def merge_order(a: Lead, b: Lead) -> tuple[Lead, Lead]:
    """(kept, merged into it) for two leads of one person: the richer profile is kept; on a tie the older lead,
    then the smaller id. The same pair gives the same answer whichever lead a process starts from, so two
    processes merging the pair at once merge it the same way (the second finds nothing left to do)."""
    def rank(lead: Lead) -> tuple[int, float, str]:
        return -len(lead.profile), lead.created_at.timestamp(), lead.id

    return (a, b) if rank(a) <= rank(b) else (b, a)


@dataclass(frozen=True, kw_only=True, slots=True)
class ScoreItem:
    """One reason for a lead's score. Behaviour points decay from `at`; fit points do not."""

    signal: str
    points: float
    reason: str
    at: datetime
    decays: bool


@dataclass(frozen=True, kw_only=True)
class StageChange:
    stage: Stage
    reason: str
    at: datetime
