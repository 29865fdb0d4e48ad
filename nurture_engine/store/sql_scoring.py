"""The scoring half of the SQL store: batches of events, score items, stages, offsets, merges."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..domain import Stage, StageChange
from ..errors import LeadNotFound, OffsetMoved
from ..scheduler.jobs import Enrollment, FollowUpStatus, SequencePlan
from . import pg_scoring as pg
from . import tables as t
from .base import IngestBatch, Offset
from .engine import driver_connection
from .lead_cache import LeadRowCache
from .sql_followups import E, F, SqlFollowUpMixin, _driver
from .sqlite_scoring import SqliteConnection, SqliteScoring
from .timeutil import req_utc, utc

log = logging.getLogger(__name__)


async def _sqlite_driver(conn: AsyncConnection) -> SqliteConnection:
    """The aiosqlite connection under a SQLite connection (the consumer's fast path)."""
    return cast(SqliteConnection, await driver_connection(conn))


class SqlScoringMixin(SqlFollowUpMixin):
    engine: AsyncEngine

    async def processed(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.processed_events.c.event_key).where(
                t.processed_events.c.event_key.in_(list(keys))))).all()
        return {r.event_key for r in rows}

    async def get_offset(self, name: str) -> int:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(t.consumer_offsets.c.position).where(
                t.consumer_offsets.c.name == name))).first()
        return int(row.position) if row else 0

    async def sequencing_state(self, lead_ids: Sequence[str], names_for: Sequence[str]
                               ) -> tuple[dict[str, set[str]], dict[str, list[Enrollment]]]:
        fast = self._fast_path
        if fast is None or not (lead_ids or names_for):
            return await super().sequencing_state(lead_ids, names_for)
        async with self.engine.connect() as conn:
            if fast == "postgresql":
                return await pg.sequencing_state(await _driver(conn), lead_ids, names_for)
            return await self._sqlite.sequencing_state(await _sqlite_driver(conn), lead_ids, names_for)

    @property
    def _fast_path(self) -> str | None:
        """The database whose driver connection the consumer's statements use ("postgresql" or "sqlite");
        None: the portable SQLAlchemy statements."""
        dialect = self.engine.dialect
        if self._on_pg:
            return "postgresql"
        return "sqlite" if dialect.name == "sqlite" and dialect.driver == "aiosqlite" else None

    @property
    def _sqlite(self) -> SqliteScoring:
        fast: SqliteScoring | None = self.__dict__.get("_sqlite_scoring")
        if fast is None:
            fast = self.__dict__["_sqlite_scoring"] = SqliteScoring(self.engine.dialect)
        return fast

    @property
    def _lead_rows(self) -> LeadRowCache:
        cache: LeadRowCache | None = self.__dict__.get("_lead_row_cache")
        if cache is None:
            cache = self.__dict__["_lead_row_cache"] = LeadRowCache()
        return cache

    async def commit_ingest(self, batch: IngestBatch) -> None:
        at = utc(batch.at)
        fast = self._fast_path
        async with self.engine.begin() as conn:
            if fast == "postgresql":
                # one statement, atomic on its own (pg_scoring.COMMIT_INGEST); after the sequencing's statements
                # it joins their transaction, which OffsetMoved then rolls back
                if batch.sequencing:
                    await self._write_plan(conn, batch.sequencing)
                await pg.commit_ingest(await _driver(conn), batch, req_utc(at))
                return
            db: SqliteConnection | None = None
            if fast == "sqlite":  # the first insert opens the transaction the sequencing then joins
                db = await _sqlite_driver(conn)
                await self._sqlite.commit_ingest(db, batch, at)
            else:
                await self._portable_ingest(conn, batch, at)
            if batch.sequencing:
                locked = db is not None and bool(batch.event_keys or batch.interactions or batch.updates)
                await self._write_plan(conn, batch.sequencing, db if locked else None)
            if batch.offset is None:
                return
            if db is not None:
                await self._sqlite.set_offset(db, batch.offset, at=at)
            else:
                await self._set_offset(conn, batch.offset, at=at)

    @staticmethod
    async def _portable_ingest(conn: AsyncConnection, batch: IngestBatch, at: datetime | None) -> None:
        if batch.event_keys:
            await conn.execute(insert(t.processed_events), [{"event_key": k, "at": at} for k in batch.event_keys])
        if batch.interactions:
            await conn.execute(insert(t.interactions), [
                {"lead_id": lead_id, "kind": i.kind, "intent": i.intent, "channel": i.channel.value,
                 "sender_id": i.sender_id, "data": i.data, "at": utc(i.at)} for lead_id, i in batch.interactions])
        if batch.updates:
            await conn.execute(
                update(t.leads).where(t.leads.c.id == bindparam("b_id")).values(
                    score=bindparam("b_score"), stage=bindparam("b_stage"), updated_at=bindparam("b_at"),
                    message_count=t.leads.c.message_count + bindparam("b_added")),
                [{"b_id": u.lead_id, "b_score": u.score, "b_stage": u.stage.value, "b_at": utc(u.at),
                  "b_added": u.messages_added} for u in batch.updates])
        changes = [u for u in batch.updates if u.stage_reason is not None]
        if changes:
            await conn.execute(insert(t.stage_history), [
                {"lead_id": u.lead_id, "stage": u.stage.value, "reason": u.stage_reason, "at": utc(u.at)}
                for u in changes])

    async def _write_plan(self, conn: AsyncConnection, plan: SequencePlan, sqlite: SqliteConnection | None = None
                          ) -> None:
        """The plan's enrollments (`sqlite`: the SQLite connection of a transaction holding the write lock, for
        plain SQL), then all its exits with one read and two updates per (reason, time)."""
        if sqlite is not None and plan.enrollments:
            await self._sqlite.enroll(sqlite, plan.enrollments, plan.followups)
        else:
            await self._write_sequencing(conn, dataclasses.replace(plan, exits=[]))
        if len(plan.exits) < 2:
            for ex in plan.exits:
                await self._exit(conn, ex)
            return
        rows = (await conn.execute(select(E.c.id, E.c.lead_id, E.c.sequence).where(
            E.c.lead_id.in_(sorted({ex.lead_id for ex in plan.exits})), E.c.active.is_(True)).order_by(E.c.id))).all()
        active: dict[str, list[Row[Any]]] = {}
        for r in rows:
            active.setdefault(r.lead_id, []).append(r)
        ended: dict[tuple[str, datetime], list[str]] = {}
        for ex in plan.exits:  # in order, as one exit after the other would: an ended enrollment stays ended
            mine = active.get(ex.lead_id, [])
            hit = [r for r in mine if ex.sequences is None or r.sequence in ex.sequences]
            if hit:
                active[ex.lead_id] = [r for r in mine if r not in hit]
                ended.setdefault((ex.reason, ex.at), []).extend(r.id for r in hit)
        for (reason, when), ids in ended.items():
            await conn.execute(update(E).where(E.c.id.in_(ids)).values(active=False, exit_reason=reason,
                                                                       exited_at=utc(when)))
            await conn.execute(update(F).where(F.c.enrollment_id.in_(ids),
                                               F.c.status == FollowUpStatus.SCHEDULED.value)
                               .values(status=FollowUpStatus.CANCELLED.value, last_error=reason))

    async def _set_offset(self, conn: AsyncConnection, offset: Offset, *, at: datetime | None) -> None:
        """The offset's compare-and-set (see Offset): an update where the stored position is `after`; when
        that matches nothing, OffsetMoved if the consumer's row is elsewhere, else the row's first insert."""
        o = t.consumer_offsets
        mine = o.c.name == offset.name
        where = mine if offset.after is None else mine & (o.c.position == offset.after)
        done = await conn.execute(update(o).where(where).values(position=offset.position, updated_at=at))
        if done.rowcount:
            return
        if offset.after is not None and (await conn.execute(select(o.c.name).where(mine))).first() is not None:
            raise OffsetMoved(offset.name, offset.after)
        await conn.execute(insert(o).values(name=offset.name, position=offset.position, updated_at=at))

    async def stage_history(self, lead_id: str) -> list[StageChange]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.stage_history).where(t.stage_history.c.lead_id == lead_id)
                                       .order_by(t.stage_history.c.id))).all()
        return [StageChange(stage=Stage(r.stage), reason=r.reason, at=req_utc(r.at)) for r in rows]

    async def merge_leads(self, into_id: str, from_id: str, reason: str, at: datetime) -> bool:
        """Moves everything of `from_id` onto `into_id`; of two values of one field, the later given wins (on a tie
        `into_id`'s: until stop 34 it always did, and a company changed on the other channel was lost). Both lead
        rows are locked first, in id order (SQLite: the database's write lock), so a concurrent merge of the same pair
        waits for this one, then finds `from_id` gone: False, nothing done."""
        async with self.engine.begin() as conn:
            if conn.dialect.name == "sqlite":  # the write lock before the read, as FOR UPDATE does on PostgreSQL
                await conn.exec_driver_sql("BEGIN IMMEDIATE")
            present = set((await conn.execute(select(t.leads.c.id).where(t.leads.c.id.in_(sorted({into_id, from_id})))
                                              .order_by(t.leads.c.id).with_for_update())).scalars())
            if into_id not in present:
                raise LeadNotFound(f"no lead {into_id!r}")
            if from_id not in present:
                log.info("lead %s is no longer there to merge into %s (merged meanwhile)", from_id, into_id)
                return False
            pf = t.profile_fields
            given = {(r.lead_id, r.field): req_utc(r.at) for r in (await conn.execute(
                select(pf.c.lead_id, pf.c.field, pf.c.at).where(pf.c.lead_id.in_([into_id, from_id])))).all()}
            later = {f for (lead, f), at in given.items() if lead == from_id and at > given.get((into_id, f), at)}
            own = {f for lead, f in given if lead == into_id} - later
            await conn.execute(delete(pf).where(pf.c.lead_id == from_id, pf.c.field.in_(own)))
            await conn.execute(delete(pf).where(pf.c.lead_id == into_id, pf.c.field.in_(later)))
            for table in (t.profile_fields, t.identities, t.interactions, t.consent_ledger,
                          t.stage_history):
                await conn.execute(update(table).where(table.c.lead_id == from_id).values(lead_id=into_id))
            moved = (await conn.execute(select(t.leads.c.message_count).where(t.leads.c.id == from_id))).scalar_one()
            await conn.execute(update(t.leads).where(t.leads.c.id == into_id).values(
                message_count=t.leads.c.message_count + moved))
            await self._merge_followups(conn, into_id, from_id)
            from .alerts_sql import move_alerts  # alerts_sql builds on this module's store

            await move_alerts(conn, from_id, into_id)
            await conn.execute(delete(t.refusals).where(t.refusals.c.lead_id == from_id))
            await conn.execute(delete(t.leads).where(t.leads.c.id == from_id))
            await conn.execute(insert(t.lead_merges).values(into_lead_id=into_id, from_lead_id=from_id,
                                                            reason=reason, at=utc(at)))
        return True
