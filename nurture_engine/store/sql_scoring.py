"""The scoring half of the SQL store: batches of events, score items, stages, offsets, merges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..domain import Stage, StageChange
from ..errors import LeadNotFound
from . import tables as t
from .base import IngestBatch
from .sql_followups import SqlFollowUpMixin
from .timeutil import req_utc, utc


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

    async def commit_ingest(self, batch: IngestBatch) -> None:
        at = utc(batch.at)
        async with self.engine.begin() as conn:
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
            if batch.sequencing:
                await self._write_sequencing(conn, batch.sequencing)
            if batch.offset is not None:
                await self._set_offset(conn, *batch.offset, at=at)

    async def _set_offset(self, conn: AsyncConnection, name: str, position: int, *, at: datetime | None) -> None:
        done = await conn.execute(update(t.consumer_offsets).where(t.consumer_offsets.c.name == name).values(
            position=position, updated_at=at))
        if done.rowcount == 0:
            await conn.execute(insert(t.consumer_offsets).values(name=name, position=position, updated_at=at))

    async def stage_history(self, lead_id: str) -> list[StageChange]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.stage_history).where(t.stage_history.c.lead_id == lead_id)
                                       .order_by(t.stage_history.c.id))).all()
        return [StageChange(stage=Stage(r.stage), reason=r.reason, at=req_utc(r.at)) for r in rows]

    async def merge_leads(self, into_id: str, from_id: str, reason: str, at: datetime) -> None:
        """Moves everything of `from_id` onto `into_id`; `into_id`'s own profile values win."""
        async with self.engine.begin() as conn:
            for lead_id in (into_id, from_id):
                if (await conn.execute(select(t.leads.c.id).where(t.leads.c.id == lead_id))).first() is None:
                    raise LeadNotFound(f"no lead {lead_id!r}")
            own = {r.field for r in (await conn.execute(select(t.profile_fields.c.field).where(
                t.profile_fields.c.lead_id == into_id))).all()}
            await conn.execute(delete(t.profile_fields).where(
                t.profile_fields.c.lead_id == from_id, t.profile_fields.c.field.in_(own)))
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
