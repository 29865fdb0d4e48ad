"""The lead store database's side of GDPR export and erasure, the interactions' retention, and the audit log.

Reads and deletes every table holding a lead's rows: the lead store's own (tables.py), the sales alerts
(alerts_sql.py) and the web inbox (inbox_sql.py), which share its database. The audit log (migration 0006)
is on its own MetaData, like the alerts and the inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, delete, insert, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from ..domain import Channel
from ..privacy import AuditEntry, LeadKeys
from ..rasa_stores import secure_delete
from . import tables as t
from .alerts_sql import sales_alert_gates, sales_alerts
from .engine import SqlEngineHolder
from .inbox_sql import web_inbox
from .sqlite_wal import checkpoint
from .timeutil import req_utc, utc

metadata = MetaData()
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action", String(32), nullable=False),
    Column("lead_id", String(32), index=True),
    Column("actor", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("counts", JSON, nullable=False),
    Column("failed", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
WEB_SESSION_CHANNELS = frozenset({Channel.WEB.value, Channel.REST.value})


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(row: Row[Any]) -> dict[str, Any]:
    return {key: _value(value) for key, value in row._mapping.items()}


def _lead_tables(lead_id: str, keys: LeadKeys) -> list[tuple[str, Table, ColumnElement[bool]]]:
    """Every table with rows of this lead, children before parents (foreign keys)."""
    return [
        ("followups", t.followups, t.followups.c.lead_id == lead_id),
        ("enrollments", t.enrollments, t.enrollments.c.lead_id == lead_id),
        ("profile", t.profile_fields, t.profile_fields.c.lead_id == lead_id),
        ("refusals", t.refusals, t.refusals.c.lead_id == lead_id),
        ("identities", t.identities, t.identities.c.lead_id == lead_id),
        ("interactions", t.interactions, t.interactions.c.lead_id == lead_id),
        ("consent_ledger", t.consent_ledger, t.consent_ledger.c.lead_id == lead_id),
        ("stage_history", t.stage_history, t.stage_history.c.lead_id == lead_id),
        ("merges", t.lead_merges, or_(t.lead_merges.c.into_lead_id == lead_id,
                                      t.lead_merges.c.from_lead_id == lead_id)),
        ("sales_alerts", sales_alerts, sales_alerts.c.lead_id == lead_id),
        ("sales_alert_gates", sales_alert_gates, sales_alert_gates.c.lead_id == lead_id),
        ("web_inbox", web_inbox, web_inbox.c.session_id.in_(keys.web_sessions)),
        ("leads", t.leads, t.leads.c.id == lead_id),
    ]


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(id=row.id, action=row.action, lead_id=row.lead_id, actor=row.actor, outcome=row.outcome,
                      counts=dict(row.counts), failed=tuple(row.failed), at=req_utc(row.at))


class SqlPrivacyStore(SqlEngineHolder):

    async def _keys(self, conn: AsyncConnection, lead_id: str) -> LeadKeys | None:
        if (await conn.execute(select(t.leads.c.id).where(t.leads.c.id == lead_id))).first() is None:
            return None
        idents = (await conn.execute(select(t.identities.c.channel, t.identities.c.sender_id)
                                     .where(t.identities.c.lead_id == lead_id))).all()
        senders = {i.sender_id for i in idents}
        for table in (t.profile_fields, t.refusals):  # conversations that gave answers (identities may move)
            senders |= set((await conn.execute(select(table.c.conversation_id)
                                               .where(table.c.lead_id == lead_id))).scalars())
        web = {i.sender_id for i in idents if i.channel in WEB_SESSION_CHANNELS}
        return LeadKeys(sender_ids=tuple(sorted(senders)), web_sessions=tuple(sorted(web)))

    async def keys(self, lead_id: str) -> LeadKeys | None:
        async with self.engine.connect() as conn:
            return await self._keys(conn, lead_id)

    async def export_lead(self, lead_id: str) -> dict[str, Any] | None:
        async with self.engine.connect() as conn:
            keys = await self._keys(conn, lead_id)
            if keys is None:
                return None
            record: dict[str, Any] = {}
            for name, table, where in _lead_tables(lead_id, keys):
                order = [c for c in table.primary_key.columns]
                rows = (await conn.execute(select(table).where(where).order_by(*order))).all()
                record[name] = [_row(r) for r in rows]
        lead = record.pop("leads")[0]
        return {"lead": lead, **record}

    async def erase_lead(self, lead_id: str, keys: LeadKeys) -> dict[str, int]:
        counts: dict[str, int] = {}
        async with self.engine.begin() as conn:
            await secure_delete(conn)
            for name, table, where in _lead_tables(lead_id, keys):
                counts[name] = int((await conn.execute(delete(table).where(where))).rowcount)
        await checkpoint(self.engine)  # the write-ahead log's old page copies go too
        return counts

    async def prune_interactions(self, before: datetime) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(t.interactions).where(
                t.interactions.c.at < before.astimezone(timezone.utc)))
            return int(result.rowcount)

    async def record_audit(self, entry: AuditEntry) -> AuditEntry:
        values: Mapping[str, Any] = {
            "action": entry.action, "lead_id": entry.lead_id, "actor": entry.actor[:64], "outcome": entry.outcome,
            "counts": dict(entry.counts), "failed": list(entry.failed), "at": entry.at.astimezone(timezone.utc)}
        async with self.engine.begin() as conn:
            result = await conn.execute(insert(audit_log).values(**values))
            new_id = result.inserted_primary_key[0] if result.inserted_primary_key else None
        return AuditEntry(id=new_id, action=entry.action, lead_id=entry.lead_id, actor=entry.actor,
                          outcome=entry.outcome, counts=entry.counts, failed=entry.failed, at=entry.at)

    async def audit_for(self, lead_id: str) -> list[AuditEntry]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(audit_log).where(audit_log.c.lead_id == lead_id)
                                       .order_by(audit_log.c.id))).all()
        return [_entry(r) for r in rows]
