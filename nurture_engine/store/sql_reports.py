"""The dashboard's read queries on the lead store's tables (SQLite or PostgreSQL), as plain report rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import asc, desc, func, or_, select
from sqlalchemy.engine import Row

from ..domain import Channel, Stage
from ..reports import (
    ConsentEntry,
    EnrollmentFact,
    FunnelLead,
    LeadQuery,
    LeadRow,
    SentStep,
    SequenceFacts,
)
from ..scheduler.jobs import FollowUpStatus
from . import tables as t
from .engine import SqlEngineHolder
from .timeutil import req_utc, utc

SUMMARY_FIELDS = ("name", "email", "company")
_CONVERTED = (Stage.SQL.value, Stage.CUSTOMER.value)


def _first_identity() -> Any:
    """Each lead's first identity (lowest id): its acquisition channel."""
    first = (select(t.identities.c.lead_id, func.min(t.identities.c.id).label("first_id"))
             .group_by(t.identities.c.lead_id).subquery())
    return (select(first.c.lead_id, t.identities.c.channel)
            .join(t.identities, t.identities.c.id == first.c.first_id).subquery())


class SqlReportStore(SqlEngineHolder):
    async def funnel_leads(self, since: datetime, channel: Channel | None) -> list[FunnelLead]:
        ident = _first_identity()
        query = (select(t.leads.c.id, t.leads.c.created_at, t.leads.c.stage, ident.c.channel)
                 .outerjoin(ident, ident.c.lead_id == t.leads.c.id)
                 .where(t.leads.c.created_at >= utc(since)))
        if channel is not None:
            query = query.where(ident.c.channel == channel.value)
        history = (select(t.stage_history.c.lead_id, t.stage_history.c.stage).distinct()
                   .join(t.leads, t.leads.c.id == t.stage_history.c.lead_id)
                   .where(t.leads.c.created_at >= utc(since)))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            reached: dict[str, set[Stage]] = {}
            for h in (await conn.execute(history)).all():
                reached.setdefault(h.lead_id, set()).add(Stage(h.stage))
        return [FunnelLead(lead_id=r.id, created_at=req_utc(r.created_at), stage=Stage(r.stage),
                           channel=Channel(r.channel) if r.channel else None,
                           reached=frozenset(reached.get(r.id, ()))) for r in rows]

    async def sequence_facts(self, sequence: str | None) -> SequenceFacts:
        e, f, h = t.enrollments, t.followups, t.stage_history
        enrollments = select(e).order_by(e.c.entered_at, e.c.id)
        sent = (select(f.c.enrollment_id, f.c.step, f.c.variant, f.c.sent_at)
                .where(f.c.status == FollowUpStatus.SENT.value, f.c.sent_at.is_not(None)))
        converted = (select(h.c.lead_id, func.min(h.c.at).label("at")).where(h.c.stage.in_(_CONVERTED))
                     .where(h.c.lead_id.in_(select(e.c.lead_id))).group_by(h.c.lead_id))
        if sequence is not None:
            enrollments = enrollments.where(e.c.sequence == sequence)
            sent = sent.where(f.c.sequence == sequence)
        async with self.engine.connect() as conn:
            e_rows = (await conn.execute(enrollments)).all()
            s_rows = (await conn.execute(sent)).all()
            c_rows = (await conn.execute(converted)).all()
        return SequenceFacts(
            enrollments=[EnrollmentFact(id=r.id, lead_id=r.lead_id, sequence=r.sequence, variant=r.variant,
                                        entered_at=req_utc(r.entered_at), exit_reason=r.exit_reason,
                                        exited_at=utc(r.exited_at)) for r in e_rows],
            sent=[SentStep(enrollment_id=r.enrollment_id, step=r.step, variant=r.variant, sent_at=req_utc(r.sent_at))
                  for r in s_rows],
            converted_at={r.lead_id: req_utc(r.at) for r in c_rows})

    async def consent_ledger(self, lead_id: str) -> list[ConsentEntry]:
        c = t.consent_ledger
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(c).where(c.c.lead_id == lead_id).order_by(c.c.id))).all()
        return [ConsentEntry(status=r.status, channel=r.channel, text=r.text, at=req_utc(r.at)) for r in rows]

    async def lead_rows(self, query: LeadQuery) -> tuple[list[LeadRow], bool]:
        L = t.leads
        order = {"id": [asc(L.c.id)], "score": [desc(L.c.score), asc(L.c.id)],
                 "score_asc": [asc(L.c.score), asc(L.c.id)], "newest": [desc(L.c.created_at), asc(L.c.id)]}
        statement = select(L).order_by(*order[query.sort]).limit(query.limit + 1).offset(query.offset)
        if query.stage is not None:
            statement = statement.where(L.c.stage == query.stage.value)
        if query.channel is not None:
            statement = statement.where(L.c.id.in_(select(t.identities.c.lead_id).where(
                t.identities.c.channel == query.channel.value)))
        if query.q:
            pattern = f"%{query.q.lower()}%"
            matching = select(t.profile_fields.c.lead_id).where(func.lower(t.profile_fields.c.raw).like(pattern))
            statement = statement.where(or_(L.c.id.in_(matching), L.c.id == query.q))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
            ids = [r.id for r in rows[:query.limit]]
            pf = t.profile_fields
            fields = (await conn.execute(select(pf).where(
                pf.c.lead_id.in_(ids), pf.c.field.in_(SUMMARY_FIELDS)))).all() if ids else []
            idents = (await conn.execute(select(t.identities.c.lead_id, t.identities.c.channel).where(
                t.identities.c.lead_id.in_(ids)))).all() if ids else []
        profiles: dict[str, dict[str, Any]] = {}
        for f in fields:
            profiles.setdefault(f.lead_id, {})[f.field] = f.value
        channels: dict[str, set[str]] = {}
        for i in idents:
            channels.setdefault(i.lead_id, set()).add(i.channel)
        return [self._row(r, profiles.get(r.id, {}), channels.get(r.id, set())) for r in rows[:query.limit]], \
            len(rows) > query.limit

    @staticmethod
    def _row(r: Row[Any], profile: dict[str, Any], channels: set[str]) -> LeadRow:
        return LeadRow(id=r.id, stage=Stage(r.stage), score=r.score, created_at=req_utc(r.created_at),
                       profile=profile, channels=tuple(sorted(channels)))
