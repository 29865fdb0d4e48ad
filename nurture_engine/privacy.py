"""GDPR: export everything known about a lead, erase it everywhere, and keep an audit log without personal data.

A lead's data lives in three places: the lead store database (lead, profile, identities, interactions,
consent ledger, stages, merges, sequences, follow-ups, sales alerts, web inbox), Rasa's tracker store and
Rasa's SQL event broker (both keyed by the conversation's sender id). Erasure deletes the Rasa stores first
and the lead store last, in one transaction: if a Rasa store is unreachable the lead (and so the list of its
conversations) stays, the failure is reported and audited, and running the erasure again finishes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from .clock import Clock
from .errors import LeadNotFound

log = logging.getLogger(__name__)
ERASED = "erased"
FAILED = "failed"
DONE = "done"


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """What was done, to which lead id, by whom, how many rows per store: never a name, email or message."""

    action: str
    lead_id: str | None
    actor: str
    outcome: str
    counts: Mapping[str, int]
    failed: tuple[str, ...]
    at: datetime
    id: int | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("naive datetimes are refused; pass a timezone-aware datetime")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "action": self.action, "lead_id": self.lead_id, "actor": self.actor,
                "outcome": self.outcome, "counts": dict(self.counts), "failed": list(self.failed),
                "at": self.at.isoformat()}


@dataclass(frozen=True, kw_only=True)
class LeadKeys:
    """How a lead is found in the other stores: its conversations' sender ids, its web sessions."""

    sender_ids: tuple[str, ...]
    web_sessions: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class EraseReport:
    lead_id: str
    complete: bool
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    """Part that failed -> why (the error's type; no data)."""
    already_erased_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"lead_id": self.lead_id, "erased": self.complete, "counts": self.counts,
                                "failed": self.failed}
        if self.already_erased_at is not None:
            body["already_erased_at"] = self.already_erased_at.isoformat()
        return body


class LeadDataStore(Protocol):
    """The lead store database's side of privacy (SQL: store/sql_privacy.py)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def keys(self, lead_id: str) -> LeadKeys | None: ...

    async def export_lead(self, lead_id: str) -> dict[str, Any] | None: ...

    async def erase_lead(self, lead_id: str, keys: LeadKeys) -> dict[str, int]:
        """Every row of the lead in one transaction; table -> rows deleted."""
        ...

    async def prune_interactions(self, before: datetime) -> int: ...

    async def record_audit(self, entry: AuditEntry) -> AuditEntry: ...

    async def audit_for(self, lead_id: str) -> list[AuditEntry]: ...


class ConversationStore(Protocol):
    """One of Rasa's event tables (rasa_stores.py)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def events_for(self, sender_ids: Sequence[str]) -> list[dict[str, Any]]: ...

    async def erase(self, sender_ids: Sequence[str]) -> int: ...

    async def prune(self, before: datetime) -> int: ...


class Privacy:
    def __init__(self, *, leads: LeadDataStore, conversations: Sequence[ConversationStore], clock: Clock) -> None:
        self._leads = leads
        self._conversations = tuple(conversations)
        self._clock = clock

    async def start(self) -> None:
        await self._leads.start()
        for store in self._conversations:
            await store.start()

    async def stop(self) -> None:
        for store in self._conversations:
            await store.stop()
        await self._leads.stop()

    async def export(self, lead_id: str, *, actor: str, audit: bool = True) -> dict[str, Any]:
        """Everything about the lead as JSON-ready data (times are ISO 8601 with their offset). A bulk
        export passes `audit=False` and records one `export_all` entry instead (`audit_bulk_export`)."""
        record = await self._leads.export_lead(lead_id)
        keys = await self._leads.keys(lead_id)
        if record is None or keys is None:
            raise LeadNotFound(f"no lead {lead_id!r}")
        counts = {f"lead_store.{name}": len(rows) for name, rows in record.items() if isinstance(rows, list)}
        for store in self._conversations:
            events = await store.events_for(keys.sender_ids)
            record[store.name] = events
            counts[f"{store.name}.events"] = len(events)
        if audit:
            await self._audit("export", lead_id, actor, DONE, counts, ())
        record["exported_at"] = self._clock.now().isoformat()
        return record

    async def erase(self, lead_id: str, *, actor: str) -> EraseReport:
        """Deletes the lead everywhere. `LeadNotFound` for an id that never existed; an id erased before
        gets the earlier erasure back (idempotent)."""
        keys = await self._leads.keys(lead_id)
        if keys is None:
            previous = [e for e in await self._leads.audit_for(lead_id) if e.action == "erase" and e.outcome == ERASED]
            if previous:
                return EraseReport(lead_id=lead_id, complete=True, counts=dict(previous[-1].counts),
                                   already_erased_at=previous[-1].at)
            raise LeadNotFound(f"no lead {lead_id!r}")
        counts: dict[str, int] = {}
        failed: dict[str, str] = {}
        await self._erase_conversations(lead_id, keys.sender_ids, counts, failed,
                                        "the lead is kept so a retry can finish")
        if not failed:
            try:
                deleted = await self._leads.erase_lead(lead_id, keys)
                counts.update({f"lead_store.{table}": n for table, n in deleted.items()})
            except (SQLAlchemyError, OSError) as exc:
                log.error("erase of lead %s: lead store failed (%s)", lead_id, type(exc).__name__)
                failed["lead_store"] = type(exc).__name__
        if not failed:
            # Again, now that the lead is gone: a dispatcher may have appended a follow-up to a conversation
            # (through Rasa's API) after the first pass; from here on it finds the sender unknown and sweeps
            # that conversation itself (`ErasedSenderSweeper`).
            await self._erase_conversations(lead_id, keys.sender_ids, counts, failed, "the lead is already gone")
        report = EraseReport(lead_id=lead_id, complete=not failed, counts=counts, failed=failed)
        await self._audit("erase", lead_id, actor, ERASED if report.complete else FAILED, counts, tuple(failed))
        if report.complete:
            log.info("lead %s erased by %s", lead_id, actor)
        return report

    async def _erase_conversations(self, lead_id: str, sender_ids: Sequence[str], counts: dict[str, int],
                                   failed: dict[str, str], then: str) -> None:
        for store in self._conversations:
            try:
                erased = await store.erase(sender_ids)
            except (SQLAlchemyError, OSError) as exc:
                log.error("erase of lead %s: %s failed (%s); %s", lead_id, store.name, type(exc).__name__, then)
                failed[store.name] = type(exc).__name__
                continue
            key = f"{store.name}.events"
            counts[key] = counts.get(key, 0) + erased

    async def retention(self, days: int, *, actor: str = "retention") -> dict[str, int]:
        """Deletes conversations older than `days` days: Rasa's events and the lead store's interactions
        (profiles and the consent ledger stay). Returns rows deleted per store."""
        if days <= 0:
            return {}
        before = self._clock.now() - timedelta(days=days)
        counts: dict[str, int] = {}
        failed: list[str] = []
        for store in self._conversations:
            try:
                counts[f"{store.name}.events"] = await store.prune(before)
            except (SQLAlchemyError, OSError) as exc:
                log.error("retention: %s failed (%s); retried on the next run", store.name, type(exc).__name__)
                failed.append(store.name)
        counts["lead_store.interactions"] = await self._leads.prune_interactions(before)
        if any(counts.values()) or failed:
            await self._audit("retention", None, actor, FAILED if failed else DONE, counts, tuple(failed))
        return counts

    async def audit_bulk_export(self, leads: int, *, actor: str) -> None:
        await self._audit("export_all", None, actor, DONE, {"leads": leads}, ())

    async def audit_for(self, lead_id: str) -> list[AuditEntry]:
        return await self._leads.audit_for(lead_id)

    async def _audit(self, action: str, lead_id: str | None, actor: str, outcome: str, counts: Mapping[str, int],
                     failed: tuple[str, ...]) -> None:
        await self._leads.record_audit(AuditEntry(action=action, lead_id=lead_id, actor=actor, outcome=outcome,
                                                  counts=dict(counts), failed=failed, at=self._clock.now()))


class SenderDirectory(Protocol):
    async def identities_for_senders(self, sender_ids: Sequence[str]) -> dict[str, Any]: ...


class ErasedSenderSweeper:
    """A dispatcher appends each follow-up it sent to the conversation through Rasa's API, which creates a
    tracker it does not have: an erasure that ran between the send and the append would see the conversation
    come back. After appending, the dispatcher asks this sweeper about the senders: one the lead store no
    longer knows was erased (a merge keeps a sender's identities), and its conversation is erased again."""

    def __init__(self, *, senders: SenderDirectory, conversations: Sequence[ConversationStore]) -> None:
        self._senders = senders
        self._conversations = tuple(conversations)

    async def start(self) -> None:
        for store in self._conversations:
            await store.start()

    async def stop(self) -> None:
        for store in self._conversations:
            await store.stop()

    async def sweep(self, sender_ids: Sequence[str]) -> int:
        """Erases the conversations of the senders no lead has any more; returns the events deleted."""
        wanted = sorted(set(sender_ids))
        if not wanted:
            return 0
        known = await self._senders.identities_for_senders(wanted)
        gone = [s for s in wanted if s not in known]
        if not gone:
            return 0
        erased = 0
        for store in self._conversations:
            erased += await store.erase(gone)
        log.info("%d conversation(s) of erased leads swept after a follow-up was appended (%d events)",
                 len(gone), erased)
        return erased
