"""SQL sales alert store on SQLAlchemy 1.4's asyncio engine, written 2.0-style (SQLite or PostgreSQL).

The tables live on their own MetaData so the lead store's tables stay untouched; migration 0005 creates
them. "One alert per lead per cooldown" is a gate row per lead moved forward by a conditional UPDATE (row
locks make it atomic on PostgreSQL, the single writer on SQLite); "a stage is announced once" is a unique
(lead_id, once_key) pair.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..alerts_model import Alert, AlertContext, AlertStatus, MessageRef, StatusChange
from .engine import SqlEngineHolder
from .timeutil import req_utc, utc

metadata = MetaData()
TS = DateTime(timezone=True)

sales_alerts = Table(
    "sales_alerts", metadata,
    Column("id", String(32), primary_key=True),
    Column("lead_id", String(32), nullable=False),
    Column("trigger", String(32), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("once_key", String(32)),
    Column("context", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_by", String(255)),
    Column("status_at", TS),
    Column("snoozed_until", TS),
    Column("feedback", Text),
    Column("slack_channel", String(64)),
    Column("slack_ts", String(32)),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("lead_id", "once_key", name="uq_sales_alerts_once"),
    Index("ix_sales_alerts_lead_id_created_at", "lead_id", "created_at"),
    Index("ix_sales_alerts_status_snoozed_until", "status", "snoozed_until"),
)

sales_alert_gates = Table(
    "sales_alert_gates", metadata,
    Column("lead_id", String(32), primary_key=True),
    Column("last_alert_at", TS, nullable=False),
)
_a, _g = sales_alerts.c, sales_alert_gates.c


def _at(at: datetime) -> datetime:
    """UTC before binding: SQLite keeps no offset, so every stored time must be in one zone."""
    return at.astimezone(timezone.utc)


def _opt(at: datetime | None) -> datetime | None:
    return None if at is None else _at(at)


def _alert(row: Row[Any]) -> Alert:
    context = AlertContext.from_json(row.context)
    if context.lead_id != row.lead_id:  # moved by a lead merge
        context = dataclasses.replace(context, lead_id=row.lead_id)
    message = MessageRef(channel=row.slack_channel, ts=row.slack_ts) if row.slack_channel and row.slack_ts else None
    return Alert(id=row.id, context=context, created_at=req_utc(row.created_at), status=AlertStatus(row.status),
                 status_by=row.status_by, status_at=utc(row.status_at), snoozed_until=utc(row.snoozed_until),
                 feedback=row.feedback, message=message)


class SqlAlertStore(SqlEngineHolder):

    async def record(self, alert: Alert, *, quiet_since: datetime) -> Alert | None:
        for attempt in range(2):  # a lost race on the gate's insert is decided by the retry's UPDATE
            try:
                async with self.engine.begin() as conn:
                    return alert if await self._insert_if_quiet(conn, alert, quiet_since) else None
            except IntegrityError:
                if attempt:
                    return None  # the same once_key again: the stage was announced already
        return None

    async def _insert_if_quiet(self, conn: AsyncConnection, alert: Alert, quiet_since: datetime) -> bool:
        created = _at(alert.created_at)
        moved = await conn.execute(update(sales_alert_gates)
                                   .where(_g.lead_id == alert.lead_id, _g.last_alert_at <= _at(quiet_since))
                                   .values(last_alert_at=created))
        if moved.rowcount == 0:
            gate = (await conn.execute(select(_g.lead_id).where(_g.lead_id == alert.lead_id))).first()
            if gate is not None:
                return False  # alerted within the cooldown
            await conn.execute(insert(sales_alert_gates).values(lead_id=alert.lead_id, last_alert_at=created))
        ctx = alert.context
        await conn.execute(insert(sales_alerts).values(
            id=alert.id, lead_id=alert.lead_id, trigger=alert.trigger.value, stage=ctx.stage.value, score=ctx.score,
            once_key=alert.once_key, context=ctx.to_json(), status=alert.status.value, status_by=alert.status_by,
            status_at=_opt(alert.status_at), snoozed_until=_opt(alert.snoozed_until), feedback=alert.feedback,
            slack_channel=alert.message.channel if alert.message else None,
            slack_ts=alert.message.ts if alert.message else None, created_at=created))
        return True

    async def _get(self, conn: AsyncConnection, alert_id: str) -> Alert | None:
        row = (await conn.execute(select(sales_alerts).where(_a.id == alert_id))).first()
        return None if row is None else _alert(row)

    async def get(self, alert_id: str) -> Alert | None:
        async with self.engine.connect() as conn:
            return await self._get(conn, alert_id)

    async def for_lead(self, lead_id: str, *, limit: int = 50) -> list[Alert]:
        query = (select(sales_alerts).where(_a.lead_id == lead_id)
                 .order_by(_a.created_at.desc(), _a.id.desc()).limit(limit))
        async with self.engine.connect() as conn:
            return [_alert(row) for row in (await conn.execute(query)).all()]

    async def transition(self, alert_id: str, change: StatusChange) -> Alert | None:
        values: dict[str, Any] = {"status": change.status.value, "status_by": change.by, "status_at": _at(change.at),
                                  "snoozed_until": _opt(change.snoozed_until)}
        if change.feedback is not None:
            values["feedback"] = change.feedback
        query = (update(sales_alerts)
                 .where(_a.id == alert_id, _a.status.in_(sorted(s.value for s in change.allowed_from)))
                 .values(**values))
        async with self.engine.begin() as conn:
            if (await conn.execute(query)).rowcount == 0:
                return None
            return await self._get(conn, alert_id)

    async def set_message(self, alert_id: str, message: MessageRef) -> Alert | None:
        async with self.engine.begin() as conn:
            await conn.execute(update(sales_alerts).where(_a.id == alert_id)
                               .values(slack_channel=message.channel, slack_ts=message.ts))
            return await self._get(conn, alert_id)

    async def due_snoozed(self, now: datetime, *, limit: int = 100) -> list[Alert]:
        query = (select(sales_alerts)
                 .where(_a.status == AlertStatus.SNOOZED.value, _a.snoozed_until <= _at(now))
                 .order_by(_a.snoozed_until, _a.id).limit(limit))
        async with self.engine.connect() as conn:
            return [_alert(row) for row in (await conn.execute(query)).all()]

    async def erase_lead(self, lead_id: str) -> int:
        async with self.engine.begin() as conn:
            await conn.execute(delete(sales_alert_gates).where(_g.lead_id == lead_id))
            return int((await conn.execute(delete(sales_alerts).where(_a.lead_id == lead_id))).rowcount)

    async def move_lead(self, from_id: str, into_id: str) -> int:
        async with self.engine.begin() as conn:
            return await move_alerts(conn, from_id, into_id)


async def move_alerts(conn: AsyncConnection, from_id: str, into_id: str) -> int:
    """Moves a merged lead's alerts (the lead store's merge calls this in its own transaction)."""
    taken = select(_a.once_key).where(_a.lead_id == into_id, _a.once_key.is_not(None))
    await conn.execute(update(sales_alerts).where(_a.lead_id == from_id, _a.once_key.in_(taken))
                       .values(once_key=None))  # `into` was announced already
    moved = int((await conn.execute(update(sales_alerts).where(_a.lead_id == from_id)
                                    .values(lead_id=into_id))).rowcount)
    gates = {row.lead_id: req_utc(row.last_alert_at) for row in (await conn.execute(
        select(sales_alert_gates).where(_g.lead_id.in_([from_id, into_id])))).all()}
    if from_id in gates:
        await conn.execute(delete(sales_alert_gates).where(_g.lead_id.in_([from_id, into_id])))
        await conn.execute(insert(sales_alert_gates).values(lead_id=into_id, last_alert_at=max(gates.values())))
    return moved
