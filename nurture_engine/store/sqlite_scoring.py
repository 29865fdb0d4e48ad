"""The behaviour consumer's hot path on SQLite: plain SQL on the aiosqlite connection under SQLAlchemy's
(same transaction), values converted with the dialect's own type processors, so the rows are those the
portable SQLAlchemy statements of sql.py / sql_scoring.py write and read; only SQLAlchemy's per-statement
and per-row work (compilation, cache keys, parameter dictionaries) is left out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any, Protocol

from sqlalchemy.engine import Dialect

from ..domain import Channel, Consent, ConsentStatus, FieldValue, Identity, Interaction, Lead, ProfileField, Stage
from ..errors import OffsetMoved
from ..scheduler.jobs import Enrollment, FollowUp
from . import tables as t
from .base import IngestBatch, Offset
from .jsontext import dumps
from .lead_cache import LeadRowCache
from .timeutil import req_utc, utc


class SqliteConnection(Protocol):
    """The part of aiosqlite.Connection used here."""

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any]) -> Iterable[Any]: ...

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Any: ...

    async def execute(self, sql: str, parameters: Iterable[Any]) -> Any: ...


LEADS = ("SELECT l.id, l.stage, l.score, l.consent_status, l.consent_at, l.consent_source, l.created_at, "
         "l.demo_requested_at, l.message_count, l.owner, i.channel, i.sender_id "
         "FROM leads l JOIN identities i ON i.lead_id = l.id WHERE i.sender_id IN ({})")
PROFILE = "SELECT lead_id, field, value, raw, conversation_id, at FROM profile_fields WHERE lead_id IN ({})"
INTERACTIONS = ("INSERT INTO interactions (lead_id, kind, intent, channel, sender_id, data, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)")
UPDATE_LEADS = "UPDATE leads SET score = ?, stage = ?, updated_at = ?, message_count = message_count + ? WHERE id = ?"
HISTORY = "INSERT INTO stage_history (lead_id, stage, reason, at) VALUES (?, ?, ?, ?)"
KEYS = "INSERT INTO processed_events (event_key, at) VALUES (?, ?)"
ENROLLMENTS = ("SELECT id, lead_id, sequence, variant, entered_at, active, exit_reason, last_sent_at "
               "FROM enrollments WHERE lead_id IN ({})")
TAKEN = "SELECT lead_id, sequence FROM enrollments WHERE lead_id IN ({})"
ENROLL = "INSERT INTO enrollments (id, lead_id, sequence, variant, active, entered_at) VALUES (?, ?, ?, ?, ?, ?)"
FOLLOWUP = ("INSERT INTO followups (id, lead_id, enrollment_id, sequence, step, variant, channel, sender_id, status, "
            "due_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
OFFSET = ("INSERT INTO consumer_offsets (name, position, updated_at) VALUES (?, ?, ?) "
          "ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at "
          "WHERE ? IS NULL OR consumer_offsets.position = ?")


# members by value: a dict lookup instead of EnumMeta.__call__ for every row
STAGE_OF: dict[str, Stage] = {m.value: m for m in Stage}
CONSENT_OF: dict[str, ConsentStatus] = {m.value: m for m in ConsentStatus}
CHANNEL_OF: dict[str, Channel] = {m.value: m for m in Channel}
FIELD_OF: dict[str, ProfileField] = {m.value: m for m in ProfileField}
UTC = timezone.utc
ISO_SAMPLE = datetime(2026, 1, 2, 3, 4, 5, 67, tzinfo=UTC)


def _same_or(fast: Callable[[Any], Any], process: Callable[[Any], Any], sample: Any) -> Callable[[Any], Any]:
    """`fast` where it gives what the dialect's own processor gives (checked on a sample), else the processor."""
    return fast if fast(sample) == process(sample) else process


def _iso_text(value: Any) -> Any:
    return value.isoformat(" ", "microseconds")[:26]


def _utc_text(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The dialect's DATETIME text ("YYYY-MM-DD HH:MM:SS.ffffff") of a UTC datetime, by isoformat."""
    def text(value: Any) -> Any:
        if value is not None and value.tzinfo is UTC:
            return _iso_text(value)
        return process(value)

    return _same_or(text, process, ISO_SAMPLE)


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SqliteValues:
    """The conversions of one dialect for the values the plain-SQL paths write and read: its own type
    processors, or faster ones that give the same text (checked at start)."""

    def __init__(self, dialect: Dialect) -> None:
        def bind(column: Any) -> Callable[[Any], Any]:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            return process or (lambda v: v)

        def result(column: Any) -> Callable[[Any], Any]:
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            return process or (lambda v: v)

        at_process = bind(t.interactions.c.at)
        self._at = _utc_text(at_process)
        self._iso = self._at is not at_process  # isoformat gives the dialect's text: _interaction_rows inlines it
        self._json = _same_or(dumps, bind(t.interactions.c.data), {"length": 3, "entities": ["role"]})
        self._true = bind(t.enrollments.c.active)(True)
        self._read_at = result(t.leads.c.created_at)
        self._read_json = result(t.profile_fields.c.value)

    def _when(self, value: Any) -> datetime | None:
        return utc(self._read_at(value)) if value is not None else None


class SqliteScoring(SqliteValues):
    """The consumer's statements."""

    async def leads_for_scoring(self, db: SqliteConnection, identities: Sequence[Identity], cache: LeadRowCache
                                ) -> dict[Identity, Lead]:
        """The leads of these identities; a lead whose rows equal those read before is the `Lead` built then."""
        wanted = {(i.channel.value, i.sender_id) for i in identities}
        senders = sorted({i.sender_id for i in identities})
        rows = [r for r in await db.execute_fetchall(LEADS.format(_marks(len(senders))), senders)
                if (r[10], r[11]) in wanted]
        lead_ids = sorted({r[0] for r in rows})
        profiles: dict[str, list[tuple[Any, ...]]] = {lead_id: [] for lead_id in lead_ids}
        if lead_ids:
            for p in await db.execute_fetchall(PROFILE.format(_marks(len(lead_ids))), lead_ids):
                profiles[p[0]].append(tuple(p))
        out = {}
        for r in rows:
            fields = profiles[r[0]]
            lead = cache.lead((r[0], r[10], r[11]), (r[3:8], r[9], fields), partial(self._lead, r, fields),
                              stage=STAGE_OF[r[1]], score=r[2], message_count=r[8])
            out[lead.identities[0]] = lead
        return out

    def _lead(self, r: Sequence[Any], fields: Sequence[Sequence[Any]]) -> Lead:
        profile: dict[ProfileField, FieldValue] = {}
        for _, field, value, raw, conv, at in fields:
            name = ProfileField(field)
            profile[name] = FieldValue(field=name, value=self._read_json(value), raw=raw, conversation_id=conv,
                                       at=req_utc(self._when(at)))
        identity = Identity(channel=CHANNEL_OF[r[10]], sender_id=r[11])
        return Lead(id=r[0], stage=STAGE_OF[r[1]], score=r[2],
                    consent=Consent(status=CONSENT_OF[r[3]], at=self._when(r[4]), source=r[5]),
                    created_at=req_utc(self._when(r[6])), demo_requested_at=self._when(r[7]),
                    profile=profile, refused=frozenset(), identities=(identity,), message_count=r[8], owner=r[9])

    async def sequencing_state(self, db: SqliteConnection, lead_ids: Sequence[str], names_for: Sequence[str]
                               ) -> tuple[dict[str, set[str]], dict[str, list[Enrollment]]]:
        """All enrollments of these leads in one read: the names for `names_for`, the active ones that
        sent something for `lead_ids`."""
        names: dict[str, set[str]] = {lead_id: set() for lead_id in names_for}
        sent: dict[str, list[Enrollment]] = {}
        wanted = set(lead_ids)
        ids = sorted(wanted | set(names_for))
        for e_id, lead_id, sequence, variant, entered_at, active, reason, last_sent_at in await db.execute_fetchall(
                ENROLLMENTS.format(_marks(len(ids))), ids):
            if lead_id in names:
                names[lead_id].add(sequence)
            if lead_id in wanted and active and last_sent_at is not None:
                sent.setdefault(lead_id, []).append(Enrollment(
                    id=e_id, lead_id=lead_id, sequence=sequence, variant=variant,
                    entered_at=req_utc(self._when(entered_at)), active=True, exit_reason=reason,
                    last_sent_at=self._when(last_sent_at)))
        return names, sent

    async def commit_ingest(self, db: SqliteConnection, batch: IngestBatch, at: datetime | None) -> None:
        """Everything but the sequencing, in the order of the portable path (the first insert opens the
        transaction SQLAlchemy commits)."""
        stamp = self._at(utc(at))
        if batch.event_keys:
            await db.executemany(KEYS, [(k, stamp) for k in batch.event_keys])
        if batch.interactions:
            await db.executemany(INTERACTIONS, self._interaction_rows(batch.interactions))
        if batch.updates:
            await db.executemany(UPDATE_LEADS, [(u.score, u.stage.value, self._at(utc(u.at)), u.messages_added,
                                                 u.lead_id) for u in batch.updates])
        changes = [(u.lead_id, u.stage.value, u.stage_reason, self._at(utc(u.at)))
                   for u in batch.updates if u.stage_reason is not None]
        if changes:
            await db.executemany(HISTORY, changes)

    def _interaction_rows(self, interactions: Sequence[tuple[str, Interaction]]) -> list[tuple[Any, ...]]:
        """The interactions' rows: one loop with the common case (a UTC time, the dialect's text is its
        isoformat) inline, a row costs about as much as its insert."""
        json_text, at_text, iso = self._json, self._at, self._iso
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for lead_id, i in interactions:
            at = i.at
            append((lead_id, i.kind, i.intent, i.channel._value_, i.sender_id, json_text(i.data),
                    _iso_text(at) if iso and at.tzinfo is UTC else at_text(utc(at))))
        return rows

    async def enroll(self, db: SqliteConnection, enrollments: Sequence[Enrollment], followups: Sequence[FollowUp]
                     ) -> None:
        """New enrollments and their follow-ups, in a transaction that already holds SQLite's write lock (the
        batch's first write took it): no other writer can enroll between the read and the insert, so the
        portable path's savepoint is not needed. As there, an enrollment whose lead is already in that
        sequence is skipped, with its follow-ups."""
        leads = sorted({e.lead_id for e in enrollments})
        taken = {(r[0], r[1]) for r in await db.execute_fetchall(TAKEN.format(_marks(len(leads))), leads)}
        fresh = [e for e in enrollments if (e.lead_id, e.sequence) not in taken]
        if not fresh:
            return
        at_text = self._at
        await db.executemany(ENROLL, [(e.id, e.lead_id, e.sequence, e.variant, self._true, at_text(utc(e.entered_at)))
                                      for e in fresh])
        ids = {e.id for e in fresh}
        await db.executemany(FOLLOWUP, [
            (f.id, f.lead_id, f.enrollment_id, f.sequence, f.step, f.variant, f.channel._value_, f.sender_id,
             f.status._value_, at_text(utc(f.due_at)), f.attempts) for f in followups if f.enrollment_id in ids])

    async def set_offset(self, db: SqliteConnection, offset: Offset, at: datetime | None) -> None:
        """Inside the batch's transaction: OffsetMoved (and the caller rolls back) when the compare-and-set
        finds the stored position elsewhere."""
        cursor = await db.execute(OFFSET, (offset.name, offset.position, self._at(utc(at)), offset.after, offset.after))
        if offset.after is not None and cursor.rowcount != 1:
            raise OffsetMoved(offset.name, offset.after)
