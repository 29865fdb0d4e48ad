"""Follow-up rows and sequence enrollments, and the outcome a dispatcher records for each claimed row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from ..domain import Channel, _aware


class FollowUpStatus(str, Enum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    DEAD = "dead"


@dataclass(frozen=True, kw_only=True)
class Enrollment:
    id: str
    lead_id: str
    sequence: str
    variant: str
    entered_at: datetime
    active: bool = True
    exit_reason: str | None = None
    last_sent_at: datetime | None = None

    def __post_init__(self) -> None:
        _aware(self.entered_at)


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    id: str
    """Also the idempotency key of the send."""
    lead_id: str
    enrollment_id: str
    sequence: str
    step: str
    variant: str
    channel: Channel
    sender_id: str
    due_at: datetime
    status: FollowUpStatus = FollowUpStatus.SCHEDULED
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    text: str | None = None
    """The text as sent (rendered at send time)."""

    def __post_init__(self) -> None:
        _aware(self.due_at)


class OutcomeKind(str, Enum):
    SENT = "sent"
    RETRY = "retry"
    """Failed; try again at `due_at` (counts as an attempt)."""
    DEFER = "defer"
    """Not now (quiet hours, caps); due again at `due_at` (not an attempt)."""
    DEAD = "dead"
    CANCELLED = "cancelled"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    followup: FollowUp
    kind: OutcomeKind
    at: datetime
    due_at: datetime | None = None
    reason: str | None = None
    text: str | None = None
    recorded_at: datetime | None = None
    """Wall-clock time of a send (differs from `at` under `dispatch --now`): the conversation's timeline,
    against which a reply is recognised."""


@dataclass(frozen=True, kw_only=True)
class LeadState:
    """What a dispatcher re-checks about a lead at send time."""

    lead_id: str
    stage: str
    consent: str
    owner: str | None
    timezone: str | None
    profile: dict[str, object]
    intents_since: dict[str, datetime]
    """The latest time of each intent the lead showed (for `unless_intents`)."""
    sends: list[datetime]
    """Times of follow-ups sent to the lead in the last 7 days (for caps)."""


@dataclass(frozen=True, kw_only=True)
class Exit:
    lead_id: str
    reason: str
    at: datetime
    sequences: frozenset[str] | None = None
    """None: every active sequence of the lead."""


@dataclass(kw_only=True)
class SequencePlan:
    """Sequence changes, written in the same transaction as the events that caused them."""

    enrollments: list[Enrollment] = field(default_factory=list)
    followups: list[FollowUp] = field(default_factory=list)
    exits: list[Exit] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.enrollments or self.followups or self.exits)


@dataclass(frozen=True, kw_only=True)
class AlertCandidate:
    """A durable row that may call for a sales alert: a stage change to sql or a hand-off request."""

    source: str  # "stage" (stage_history) or "interaction"
    position: int
    lead_id: str
    intent: str | None
    channel: Channel | None
