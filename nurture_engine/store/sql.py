"""SQL lead store on SQLAlchemy 1.4's asyncio engine, written 2.0-style (SQLite or PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain import (
    Channel,
    Consent,
    ConsentStatus,
    FieldValue,
    Identity,
    Interaction,
    Lead,
    ProfileField,
    Stage,
)
from ..errors import LeadNotFound
from . import pg_profile, pg_scoring
from . import tables as t
from .base import LeadPage
from .engine import SqlEngineHolder
from .sql_followups import _driver
from .sql_profile import SqlProfileMixin
from .sql_scoring import SqlScoringMixin, _sqlite_driver
from .sql_watch import SqlAlertSourceMixin
from .timeutil import req_utc, utc

_utc = utc
_req = req_utc


class SqlLeadStore(SqlEngineHolder, SqlScoringMixin, SqlProfileMixin, SqlAlertSourceMixin):
    pool = (10, 10)


    async def _load(self, conn: AsyncConnection, row: Row[Any]) -> Lead:
        lead_id = row.id
        fields = (await conn.execute(select(t.profile_fields).where(t.profile_fields.c.lead_id == lead_id)
                                     .order_by(t.profile_fields.c.field))).all()
        refused = (await conn.execute(select(t.refusals.c.field).where(t.refusals.c.lead_id == lead_id))).all()
        idents = (await conn.execute(
            select(t.identities).where(t.identities.c.lead_id == lead_id).order_by(t.identities.c.id))).all()
        return self._build(row, fields, refused, idents)

    @staticmethod
    def _build(row: Row[Any], fields: Sequence[Row[Any]], refused: Sequence[Row[Any]],
               idents: Sequence[Row[Any]], identities: tuple[Identity, ...] | None = None) -> Lead:
        lead_id = row.id
        return Lead(
            id=lead_id, stage=Stage(row.stage), score=row.score,
            consent=Consent(status=ConsentStatus(row.consent_status), at=_utc(row.consent_at),
                            source=row.consent_source),
            created_at=_req(row.created_at), demo_requested_at=_utc(row.demo_requested_at),
            profile={ProfileField(f.field): FieldValue(field=ProfileField(f.field), value=f.value, raw=f.raw,
                                                       conversation_id=f.conversation_id, at=_req(f.at))
                     for f in fields},
            refused=frozenset(ProfileField(r.field) for r in refused),
            identities=identities if identities is not None else tuple(
                Identity(channel=Channel(i.channel), sender_id=i.sender_id) for i in idents),
            message_count=row.message_count, owner=row.owner,
        )

    async def leads_for_scoring(self, identities: Sequence[Identity]) -> dict[Identity, Lead]:
        if not identities:
            return {}
        fast = self._fast_path
        if fast is not None:
            async with self.engine.connect() as conn:
                if fast == "postgresql":
                    return await pg_scoring.leads_for_scoring(await _driver(conn), identities, self._lead_rows)
                return await self._sqlite.leads_for_scoring(await _sqlite_driver(conn), identities,
                                                             self._lead_rows)
        wanted = {(i.channel.value, i.sender_id) for i in identities}
        query = (select(t.leads, t.identities.c.channel.label("i_channel"),
                        t.identities.c.sender_id.label("i_sender"))
                 .join(t.identities, t.identities.c.lead_id == t.leads.c.id)
                 .where(t.identities.c.sender_id.in_(sorted({i.sender_id for i in identities}))))
        async with self.engine.connect() as conn:
            rows = [r for r in (await conn.execute(query)).all() if (r.i_channel, r.i_sender) in wanted]
            lead_ids = sorted({r.id for r in rows})
            fields = (await conn.execute(select(t.profile_fields).where(
                t.profile_fields.c.lead_id.in_(lead_ids)))).all() if lead_ids else []
        by_lead: dict[str, list[Row[Any]]] = {lead_id: [] for lead_id in lead_ids}
        for f in fields:
            by_lead[f.lead_id].append(f)
        out = {}
        for r in rows:
            identity = Identity(channel=Channel(r.i_channel), sender_id=r.i_sender)
            out[identity] = self._build(r, by_lead[r.id], [], [], identities=(identity,))
        return out

    async def _load_many(self, conn: AsyncConnection, lead_ids: list[str]) -> dict[str, Lead]:
        if not lead_ids:
            return {}
        rows = (await conn.execute(select(t.leads).where(t.leads.c.id.in_(lead_ids)))).all()
        fields = (await conn.execute(select(t.profile_fields).where(t.profile_fields.c.lead_id.in_(lead_ids)))).all()
        refused = (await conn.execute(select(t.refusals).where(t.refusals.c.lead_id.in_(lead_ids)))).all()
        idents = (await conn.execute(select(t.identities).where(t.identities.c.lead_id.in_(lead_ids))
                                     .order_by(t.identities.c.id))).all()
        by_lead: dict[str, tuple[list[Row[Any]], list[Row[Any]], list[Row[Any]]]] = {r.id: ([], [], []) for r in rows}
        for position, group in enumerate((fields, refused, idents)):
            for item in group:
                by_lead[item.lead_id][position].append(item)
        return {row.id: self._build(row, *by_lead[row.id]) for row in rows}

    async def lead_for_identity(self, identity: Identity) -> Lead | None:
        fast = self._sqlite_profile
        async with self.engine.connect() as conn:
            if fast is not None:
                return await fast.lead_for_identity(await _sqlite_driver(conn), identity)
            if self._on_pg:
                return await pg_profile.lead_for_identity(await _driver(conn), identity)
            row = (await conn.execute(
                select(t.leads).join(t.identities, t.identities.c.lead_id == t.leads.c.id).where(
                    t.identities.c.channel == identity.channel.value,
                    t.identities.c.sender_id == identity.sender_id))).first()
            return await self._load(conn, row) if row else None

    async def identities_for_senders(self, sender_ids: Sequence[str]) -> dict[str, Identity]:
        found: dict[str, Identity] = {}
        if not sender_ids:
            return found
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(t.identities.c.channel, t.identities.c.sender_id).where(
                t.identities.c.sender_id.in_(sorted(set(sender_ids)))).order_by(t.identities.c.id))).all()
        for row in rows:  # ascending ids: the most recent identity of a sender wins
            found[row.sender_id] = Identity(channel=Channel(row.channel), sender_id=row.sender_id)
        return found

    async def create_lead(self, identity: Identity, at: datetime) -> Lead:
        """A new lead for this identity; if another process created it first, that one."""
        lead_id = uuid.uuid4().hex
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(t.leads).values(
                    id=lead_id, stage=Stage.NEW.value, score=0.0, consent_status=ConsentStatus.UNKNOWN.value,
                    created_at=_utc(at), updated_at=_utc(at)))
                await conn.execute(insert(t.identities).values(
                    lead_id=lead_id, channel=identity.channel.value, sender_id=identity.sender_id,
                    created_at=_utc(at)))
        except IntegrityError:
            existing = await self.lead_for_identity(identity)
            if existing is None:
                raise
            return existing
        return Lead(id=lead_id, stage=Stage.NEW, score=0.0, consent=Consent(status=ConsentStatus.UNKNOWN),
                    created_at=_req(at), identities=(identity,))  # as get_lead would read it back

    async def create_leads(self, identities: Sequence[Identity], at: datetime) -> dict[Identity, Lead]:
        if not identities:
            return {}
        ids = {identity: uuid.uuid4().hex for identity in identities}
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(t.leads), [
                    {"id": lead_id, "stage": Stage.NEW.value, "score": 0.0,
                     "consent_status": ConsentStatus.UNKNOWN.value, "created_at": _utc(at), "updated_at": _utc(at)}
                    for lead_id in ids.values()])
                await conn.execute(insert(t.identities), [
                    {"lead_id": lead_id, "channel": i.channel.value, "sender_id": i.sender_id, "created_at": _utc(at)}
                    for i, lead_id in ids.items()])
        except IntegrityError:  # another process created some of them first
            return {identity: await self.create_lead(identity, at) for identity in identities}
        return await self.leads_for_scoring(list(identities))

    async def get_lead(self, lead_id: str) -> Lead:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(t.leads).where(t.leads.c.id == lead_id))).first()
            if row is None:
                raise LeadNotFound(f"no lead {lead_id!r}")
            return await self._load(conn, row)

    async def find_by_email(self, email: str, *, exclude: str | None = None) -> Lead | None:
        query = select(t.leads).where(t.leads.c.email == email).order_by(t.leads.c.created_at).limit(1)
        if exclude is not None:
            query = query.where(t.leads.c.id != exclude)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
            return await self._load(conn, row) if row else None

    async def set_field(self, lead_id: str, value: FieldValue) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(t.profile_fields).where(
                t.profile_fields.c.lead_id == lead_id, t.profile_fields.c.field == value.field.value))
            await conn.execute(delete(t.refusals).where(
                t.refusals.c.lead_id == lead_id, t.refusals.c.field == value.field.value))
            await conn.execute(insert(t.profile_fields).values(
                lead_id=lead_id, field=value.field.value, value=value.value, raw=value.raw,
                conversation_id=value.conversation_id, at=_utc(value.at)))
            extra = {"email": value.value} if value.field is ProfileField.EMAIL else {}
            await self._touch(conn, lead_id, value.at, **extra)

    async def _touch(self, conn: AsyncConnection, lead_id: str, at: datetime, **values: Any) -> None:
        statement = update(t.leads).where(t.leads.c.id == lead_id).values(updated_at=_utc(at), **values)
        result = await conn.execute(statement)
        if result.rowcount == 0:
            raise LeadNotFound(f"no lead {lead_id!r}")

    async def add_refusal(self, lead_id: str, field: ProfileField, conversation_id: str, at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(t.refusals).where(
                t.refusals.c.lead_id == lead_id, t.refusals.c.field == field.value))
            await conn.execute(insert(t.refusals).values(
                lead_id=lead_id, field=field.value, conversation_id=conversation_id, at=_utc(at)))

    async def add_interaction(self, lead_id: str, interaction: Interaction) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(insert(t.interactions).values(
                lead_id=lead_id, kind=interaction.kind, intent=interaction.intent,
                channel=interaction.channel.value, sender_id=interaction.sender_id,
                data=interaction.data, at=_utc(interaction.at)))

    async def interactions(self, lead_id: str) -> list[Interaction]:
        fast = self._sqlite_profile
        async with self.engine.connect() as conn:
            if fast is not None:
                return await fast.interactions(await _sqlite_driver(conn), lead_id)
            if self._on_pg:
                return await pg_profile.interactions(await _driver(conn), lead_id)
            rows = (await conn.execute(select(t.interactions).where(
                t.interactions.c.lead_id == lead_id).order_by(t.interactions.c.id))).all()
        return [Interaction(kind=r.kind, intent=r.intent, channel=Channel(r.channel), sender_id=r.sender_id,
                            data=r.data, at=_req(r.at)) for r in rows]

    async def set_consent(self, lead_id: str, status: ConsentStatus, at: datetime, channel: str, text: str) -> None:
        async with self.engine.begin() as conn:
            await self._touch(conn, lead_id, at, consent_status=status.value, consent_at=_utc(at),
                              consent_source=channel)
            await conn.execute(insert(t.consent_ledger).values(
                lead_id=lead_id, status=status.value, channel=channel, text=text[:500], at=_utc(at)))

    async def mark_demo_requested(self, lead_id: str, at: datetime) -> None:
        async with self.engine.begin() as conn:
            await self._touch(conn, lead_id, at, demo_requested_at=_utc(at))

    async def list_leads(self, *, stage: str | None = None, q: str | None = None, limit: int = 50,
                         cursor: str | None = None) -> LeadPage:
        query = select(t.leads).order_by(t.leads.c.id).limit(limit + 1)
        if stage:
            query = query.where(t.leads.c.stage == stage)
        if cursor:
            query = query.where(t.leads.c.id > cursor)
        if q:
            pattern = f"%{q.lower()}%"
            matching = select(t.profile_fields.c.lead_id).where(func.lower(t.profile_fields.c.raw).like(pattern))
            query = query.where(or_(t.leads.c.id.in_(matching), t.leads.c.id == q))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            leads = [await self._load(conn, r) for r in rows[:limit]]
        return LeadPage(leads=leads, next_cursor=leads[-1].id if len(rows) > limit else None)
