"""The lead store seam."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ..domain import (
    ConsentStatus,
    FieldValue,
    Identity,
    Interaction,
    Lead,
    ProfileField,
    Stage,
    StageChange,
)
from ..scheduler.jobs import AlertCandidate, Enrollment, FollowUp, LeadState, Outcome, SequencePlan


@dataclass(frozen=True, kw_only=True)
class LeadPage:
    leads: list[Lead]
    next_cursor: str | None


class LeadStore(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def lead_for_identity(self, identity: Identity) -> Lead | None: ...

    async def identities_for_senders(self, sender_ids: Sequence[str]) -> dict[str, Identity]:
        """For each sender id with a known identity, the most recent one, on any channel."""
        ...

    async def create_lead(self, identity: Identity, at: datetime) -> Lead: ...

    async def create_leads(self, identities: Sequence[Identity], at: datetime) -> dict[Identity, Lead]:
        """One new lead per identity, in one transaction (falls back to one by one on a race)."""
        ...

    async def get_lead(self, lead_id: str) -> Lead:
        """The lead, or `LeadNotFound`."""
        ...

    async def find_by_email(self, email: str, *, exclude: str | None = None) -> Lead | None: ...

    async def set_field(self, lead_id: str, value: FieldValue) -> None: ...

    async def add_refusal(self, lead_id: str, field: ProfileField, conversation_id: str,
                          at: datetime) -> None: ...

    async def add_interaction(self, lead_id: str, interaction: Interaction) -> None: ...

    async def interactions(self, lead_id: str) -> list[Interaction]: ...

    async def set_consent(self, lead_id: str, status: ConsentStatus, at: datetime, channel: str,
                          text: str) -> None: ...

    async def mark_demo_requested(self, lead_id: str, at: datetime) -> None: ...

    async def list_leads(self, *, stage: str | None = None, q: str | None = None, limit: int = 50,
                         cursor: str | None = None) -> LeadPage: ...


@dataclass(frozen=True, kw_only=True)
class LeadUpdate:
    lead_id: str
    score: float
    stage: Stage
    stage_reason: str | None  # set when the stage changed
    at: datetime
    messages_added: int = 0


@dataclass(frozen=True, slots=True)
class Offset:
    """A consumer's position in its source, written in the transaction of the batch that reached it. With
    `after` (where the batch started) the write is a compare-and-set: the batch commits only if the stored
    position is still `after`, else the store raises OffsetMoved and the whole batch rolls back. That is what
    keeps a batch from counting twice when a cancelled consumer's commit lands on the server after its
    successor has read the old position."""

    name: str
    position: int
    after: int | None = None


@dataclass(frozen=True, kw_only=True)
class IngestBatch:
    """What one batch of conversation events changes, written in one transaction."""

    interactions: list[tuple[str, Interaction]] = field(default_factory=list)
    updates: list[LeadUpdate] = field(default_factory=list)
    event_keys: list[str] = field(default_factory=list)
    offset: Offset | None = None
    at: datetime | None = None
    sequencing: SequencePlan = field(default_factory=SequencePlan)


class ScoringStore(Protocol):
    """The parts of the store the scoring pipeline needs."""

    async def processed(self, keys: Sequence[str]) -> set[str]: ...

    async def get_offset(self, name: str) -> int: ...

    async def commit_ingest(self, batch: IngestBatch) -> None: ...

    async def leads_for_scoring(self, identities: Sequence[Identity]) -> dict[Identity, Lead]:
        """The leads of these identities (missing ones are left out) with what scoring needs: stage,
        profile, demo request, message count. Refusals and other identities are not loaded."""
        ...

    async def stage_history(self, lead_id: str) -> list[StageChange]: ...

    async def merge_leads(self, into_id: str, from_id: str, reason: str, at: datetime) -> bool:
        """Moves everything of `from_id` onto `into_id` (of two values of one field, the later given; on a tie, its
        own) and deletes `from_id`; False (nothing done) when `from_id` is already gone, e.g. merged by a concurrent
        call."""
        ...


@dataclass(frozen=True, kw_only=True)
class ProfileWrite:
    """An answered profiling turn, written in one transaction: the accepted answers (each replaces the field's
    value and clears its refusal, as `set_field` does), the turn's interaction, then the rescore (score, stage,
    stage history) and its sequencing, as `commit_ingest` writes them."""

    lead_id: str
    values: list[FieldValue]
    interaction: Interaction
    update: LeadUpdate
    sequencing: SequencePlan = field(default_factory=SequencePlan)
    expect: tuple[Stage, int] | None = None
    """The lead's stage and message count the update was computed from: when the stored lead no longer has
    them (another process scored it meanwhile), nothing is written. None: write regardless."""


class ProfileStore(Protocol):
    async def record_profile(self, write: ProfileWrite) -> bool:
        """Writes the turn in one transaction; False (nothing written) when `write.expect` does not match (an
        unknown lead included). Without `expect`, `LeadNotFound` for an unknown lead."""
        ...


class FollowUpStore(Protocol):
    """Sequence enrollments and follow-up rows: the durable scheduler's state."""

    async def enrollments_for(self, lead_ids: Sequence[str]) -> dict[str, list[Enrollment]]: ...

    async def sequencing_state(self, lead_ids: Sequence[str], names_for: Sequence[str]
                               ) -> tuple[dict[str, set[str]], dict[str, list[Enrollment]]]:
        """What the sequencer needs for a batch: the sequence names each lead of `names_for` ever entered,
        and the active enrollments of `lead_ids` that have sent something (a message may be a reply)."""
        ...

    async def apply_sequencing(self, plan: SequencePlan) -> None:
        """Enrollments, their follow-ups and exits (which cancel scheduled follow-ups), in one transaction."""
        ...

    async def claim_due(self, now: datetime, limit: int, token: str, lease_until: datetime) -> list[FollowUp]:
        """Marks up to `limit` due follow-ups (or ones whose claim lease expired) as sending, for this
        claimer only; concurrent claimers never get the same row."""
        ...

    async def lead_states(self, lead_ids: Sequence[str], now: datetime,
                          intents: Sequence[str]) -> dict[str, LeadState]: ...

    async def active_enrollments(self, enrollment_ids: Sequence[str]) -> set[str]: ...

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Records what happened to claimed follow-ups."""
        ...

    async def followups_of(self, lead_id: str) -> list[FollowUp]: ...

    async def set_owner(self, lead_id: str, owner: str | None, at: datetime) -> None: ...


WatchRow = tuple[int, AlertCandidate | None]  # a row's position, and the alert candidate it is if any


class AlertSource(Protocol):
    async def alert_rows(self, source: str, after: int, limit: int = 1000) -> list[WatchRow]:
        """Every row of the source ("stage": stage changes, "interaction": interactions) after position
        `after`, oldest first: its position (the row's id) and the alert candidate it is (a change to sql, a
        hand-off request), if any. Every row, so the reader sees which positions it passed without a row."""
        ...

    async def alert_rows_at(self, source: str, positions: Sequence[int]) -> list[WatchRow]:
        """The rows (as alert_rows) at these positions that exist now."""
        ...


class NurtureStore(LeadStore, ScoringStore, ProfileStore, FollowUpStore, AlertSource, Protocol):
    """Everything the service needs from its store."""
