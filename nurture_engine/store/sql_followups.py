"""The follow-up half of the SQL store: enrollments, follow-up rows, claims with SKIP LOCKED, outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..domain import Channel
from ..scheduler.jobs import (
    Enrollment,
    Exit,
    FollowUp,
    FollowUpStatus,
    LeadState,
    Outcome,
    OutcomeKind,
    SequencePlan,
)
from . import pg_followups as pg
from . import tables as t
from .engine import driver_connection
from .timeutil import req_utc, utc

F, E = t.followups, t.enrollments


def _enrollment(r: Row[Any]) -> Enrollment:
    return Enrollment(id=r.id, lead_id=r.lead_id, sequence=r.sequence, variant=r.variant,
                      entered_at=req_utc(r.entered_at), active=bool(r.active), exit_reason=r.exit_reason,
                      last_sent_at=utc(r.last_sent_at) if r.last_sent_at else None)


def _followup(r: Row[Any]) -> FollowUp:
    return FollowUp(id=r.id, lead_id=r.lead_id, enrollment_id=r.enrollment_id, sequence=r.sequence, step=r.step,
                    variant=r.variant, channel=Channel(r.channel), sender_id=r.sender_id,
                    due_at=req_utc(r.due_at), status=FollowUpStatus(r.status), attempts=r.attempts,
                    last_error=r.last_error, sent_at=utc(r.sent_at) if r.sent_at else None, text=r.text)


async def _driver(conn: AsyncConnection) -> pg.PgConnection:
    """The asyncpg connection under a PostgreSQL connection (the dispatcher's fast path)."""
    return cast(pg.PgConnection, await driver_connection(conn))


class SqlFollowUpMixin:
    engine: AsyncEngine

    @property
    def _on_pg(self) -> bool:
        name: str = self.engine.dialect.name
        return name == "postgresql"

    async def enrollments_for(self, lead_ids: Sequence[str]) -> dict[str, list[Enrollment]]:
        found: dict[str, list[Enrollment]] = {}
        if not lead_ids:
            return found
        async with self.engine.connect() as conn:
            for r in (await conn.execute(select(E).where(E.c.lead_id.in_(sorted(set(lead_ids)))))).all():
                found.setdefault(r.lead_id, []).append(_enrollment(r))
        return found

    async def sequencing_state(self, lead_ids: Sequence[str], names_for: Sequence[str]
                               ) -> tuple[dict[str, set[str]], dict[str, list[Enrollment]]]:
        names: dict[str, set[str]] = {lead_id: set() for lead_id in names_for}
        sent: dict[str, list[Enrollment]] = {}
        if not lead_ids and not names_for:
            return names, sent
        async with self.engine.connect() as conn:
            if names_for:
                rows = (await conn.execute(select(E.c.lead_id, E.c.sequence).where(
                    E.c.lead_id.in_(sorted(set(names_for)))))).all()
                for r in rows:
                    names[r.lead_id].add(r.sequence)
            if lead_ids:
                rows = (await conn.execute(select(E).where(E.c.lead_id.in_(sorted(set(lead_ids))),
                                                           E.c.active.is_(True), E.c.last_sent_at.is_not(None)))).all()
                for r in rows:
                    sent.setdefault(r.lead_id, []).append(_enrollment(r))
        return names, sent

    async def apply_sequencing(self, plan: SequencePlan) -> None:
        if plan:
            async with self.engine.begin() as conn:
                await self._write_sequencing(conn, plan)

    async def _write_sequencing(self, conn: AsyncConnection, plan: SequencePlan) -> None:
        if plan.enrollments:
            skipped = await self._insert_enrollments(conn, plan.enrollments)
            rows = [_followup_row(f) for f in plan.followups if f.enrollment_id not in skipped]
            if rows:
                await conn.execute(insert(F), rows)
        for ex in plan.exits:
            await self._exit(conn, ex)

    async def _insert_enrollments(self, conn: AsyncConnection, enrollments: Sequence[Enrollment]) -> set[str]:
        """Inserts the enrollments; ones another writer made first are skipped (their ids returned)."""
        taken = {(r.lead_id, r.sequence) for r in (await conn.execute(select(E.c.lead_id, E.c.sequence).where(
            E.c.lead_id.in_({e.lead_id for e in enrollments})))).all()}
        fresh = [e for e in enrollments if (e.lead_id, e.sequence) not in taken]
        skipped = {e.id for e in enrollments if (e.lead_id, e.sequence) in taken}
        rows = [{"id": e.id, "lead_id": e.lead_id, "sequence": e.sequence, "variant": e.variant, "active": True,
                 "entered_at": utc(e.entered_at)} for e in fresh]
        if rows:
            try:
                async with conn.begin_nested():
                    await conn.execute(insert(E), rows)
            except IntegrityError:  # a concurrent writer enrolled one of them: go one by one
                for row in rows:
                    try:
                        async with conn.begin_nested():
                            await conn.execute(insert(E), [row])
                    except IntegrityError:
                        skipped.add(str(row["id"]))
        return skipped

    async def _exit(self, conn: AsyncConnection, ex: Exit) -> None:
        cond = [E.c.lead_id == ex.lead_id, E.c.active.is_(True)]
        if ex.sequences is not None:
            cond.append(E.c.sequence.in_(sorted(ex.sequences)))
        ids = [r.id for r in (await conn.execute(select(E.c.id).where(*cond))).all()]
        if not ids:
            return
        await conn.execute(update(E).where(E.c.id.in_(ids)).values(active=False, exit_reason=ex.reason,
                                                                   exited_at=utc(ex.at)))
        await conn.execute(update(F).where(F.c.enrollment_id.in_(ids), F.c.status == FollowUpStatus.SCHEDULED.value)
                           .values(status=FollowUpStatus.CANCELLED.value, last_error=ex.reason))

    async def claim_due(self, now: datetime, limit: int, token: str, lease_until: datetime) -> list[FollowUp]:
        if self._on_pg:
            async with self.engine.begin() as conn:
                return await pg.claim_due(await _driver(conn), now, limit, token, lease_until)
        now = req_utc(now)
        due = or_(and_(F.c.status == FollowUpStatus.SCHEDULED.value, F.c.due_at <= now),
                  and_(F.c.status == FollowUpStatus.SENDING.value, F.c.lease_until < now))
        pick = select(F.c.id).where(due).order_by(F.c.due_at).limit(limit).with_for_update(skip_locked=True)
        claim = update(F).where(F.c.id.in_(pick.scalar_subquery())).values(
            status=FollowUpStatus.SENDING.value, claim_token=token, lease_until=utc(lease_until))
        async with self.engine.begin() as conn:  # SQLite: one writer at a time, so the subquery cannot race
            await conn.execute(claim.execution_options(synchronize_session=False))
            rows = (await conn.execute(select(F).where(F.c.claim_token == token,
                                                       F.c.status == FollowUpStatus.SENDING.value))).all()
        return sorted((_followup(r) for r in rows), key=lambda f: f.due_at)

    async def lead_states(self, lead_ids: Sequence[str], now: datetime,
                          intents: Sequence[str]) -> dict[str, LeadState]:
        ids = sorted(set(lead_ids))
        if not ids:
            return {}
        async with self.engine.connect() as conn:
            if self._on_pg:
                return await pg.lead_states(await _driver(conn), ids, now, intents)
            leads = (await conn.execute(select(t.leads.c.id, t.leads.c.stage, t.leads.c.consent_status,
                                               t.leads.c.owner, t.leads.c.timezone).where(t.leads.c.id.in_(ids)))).all()
            fields = (await conn.execute(select(t.profile_fields.c.lead_id, t.profile_fields.c.field,
                                                t.profile_fields.c.value).where(
                t.profile_fields.c.lead_id.in_(ids)))).all()
            seen = (await conn.execute(select(t.interactions.c.lead_id, t.interactions.c.intent,
                                              func.max(t.interactions.c.at).label("at")).where(
                t.interactions.c.lead_id.in_(ids), t.interactions.c.intent.in_(list(intents)))
                .group_by(t.interactions.c.lead_id, t.interactions.c.intent))).all() if intents else []
            # `status || ''`: look the leads up by lead_id, not by walking every sent row through ix_followups_due
            sends = (await conn.execute(select(F.c.lead_id, F.c.sent_at).where(
                F.c.lead_id.in_(ids), F.c.status.concat("") == FollowUpStatus.SENT.value,
                F.c.sent_at > req_utc(now) - timedelta(days=7)))).all()
        states = {}
        for r in leads:
            states[r.id] = LeadState(lead_id=r.id, stage=r.stage, consent=r.consent_status, owner=r.owner,
                                     timezone=r.timezone, profile={}, intents_since={}, sends=[])
        for r in fields:
            states[r.lead_id].profile[r.field] = r.value
        for r in seen:
            states[r.lead_id].intents_since[r.intent] = req_utc(r.at)
        for r in sends:
            states[r.lead_id].sends.append(req_utc(r.sent_at))
        return states

    async def active_enrollments(self, enrollment_ids: Sequence[str]) -> set[str]:
        if not enrollment_ids:
            return set()
        async with self.engine.connect() as conn:
            if self._on_pg:
                return await pg.active_enrollments(await _driver(conn), enrollment_ids)
            rows = (await conn.execute(select(E.c.id).where(E.c.id.in_(sorted(set(enrollment_ids))),
                                                            E.c.active.is_(True)))).all()
        return {r.id for r in rows}

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        if self._on_pg:
            async with self.engine.begin() as conn:
                await pg.finish(await _driver(conn), outcomes)
            return
        sent = [o for o in outcomes if o.kind is OutcomeKind.SENT]
        later = [o for o in outcomes if o.kind in (OutcomeKind.RETRY, OutcomeKind.DEFER)]
        ended = [o for o in outcomes if o.kind in (OutcomeKind.DEAD, OutcomeKind.CANCELLED)]
        clear = {"claim_token": None, "lease_until": None}
        async with self.engine.begin() as conn:
            if sent:
                await conn.execute(update(F).where(F.c.id == bindparam("b_id")).values(
                    status=FollowUpStatus.SENT.value, sent_at=bindparam("b_at"), text=bindparam("b_text"), **clear),
                    [{"b_id": o.followup.id, "b_at": utc(o.at), "b_text": o.text} for o in sent])
                last: dict[str, datetime] = {}
                for o in sent:
                    at = req_utc(o.recorded_at or o.at)
                    last[o.followup.enrollment_id] = max(at, last.get(o.followup.enrollment_id, at))
                await conn.execute(update(E).where(E.c.id == bindparam("b_id")).values(last_sent_at=bindparam("b_at")),
                                   [{"b_id": k, "b_at": v} for k, v in last.items()])
            if later:
                await conn.execute(update(F).where(F.c.id == bindparam("b_id")).values(
                    status=FollowUpStatus.SCHEDULED.value, due_at=bindparam("b_due"), last_error=bindparam("b_err"),
                    attempts=F.c.attempts + bindparam("b_inc"), **clear),
                    [{"b_id": o.followup.id, "b_due": utc(o.due_at or o.at), "b_err": o.reason,
                      "b_inc": int(o.kind is OutcomeKind.RETRY)} for o in later])
            if ended:
                await conn.execute(update(F).where(F.c.id == bindparam("b_id")).values(
                    status=bindparam("b_status"), last_error=bindparam("b_err"),
                    attempts=F.c.attempts + bindparam("b_inc"), **clear),
                    [{"b_id": o.followup.id, "b_err": o.reason, "b_inc": int(o.kind is OutcomeKind.DEAD),
                      "b_status": (FollowUpStatus.DEAD if o.kind is OutcomeKind.DEAD
                                   else FollowUpStatus.CANCELLED).value} for o in ended])

    async def followups_of(self, lead_id: str) -> list[FollowUp]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(F).where(F.c.lead_id == lead_id).order_by(F.c.due_at, F.c.id))).all()
        return [_followup(r) for r in rows]

    async def set_owner(self, lead_id: str, owner: str | None, at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(t.leads).where(t.leads.c.id == lead_id).values(owner=owner, owner_at=utc(at)))

    async def _merge_followups(self, conn: AsyncConnection, into_id: str, from_id: str) -> None:
        own = select(E.c.sequence).where(E.c.lead_id == into_id).scalar_subquery()
        clash = [r.id for r in (await conn.execute(select(E.c.id).where(E.c.lead_id == from_id,
                                                                         E.c.sequence.in_(own)))).all()]
        if clash:
            await conn.execute(delete(F).where(F.c.enrollment_id.in_(clash)))
            await conn.execute(delete(E).where(E.c.id.in_(clash)))
        await conn.execute(update(E).where(E.c.lead_id == from_id).values(lead_id=into_id))
        await conn.execute(update(F).where(F.c.lead_id == from_id).values(lead_id=into_id))


def _followup_row(f: FollowUp) -> dict[str, Any]:
    return {"id": f.id, "lead_id": f.lead_id, "enrollment_id": f.enrollment_id, "sequence": f.sequence,
            "step": f.step, "variant": f.variant, "channel": f.channel.value, "sender_id": f.sender_id,
            "status": f.status.value, "due_at": utc(f.due_at), "attempts": f.attempts}
