"""The PostgreSQL fast path of the follow-up store (store/pg_followups.py) against the portable SQLAlchemy
statements it replaces: same claims, same lead states, same recorded outcomes, on twin databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from nurture_engine.domain import Channel, Identity
from nurture_engine.scheduler.jobs import Enrollment, FollowUp, Outcome, OutcomeKind, SequencePlan
from nurture_engine.store import tables as t
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0

pytestmark = pytest.mark.postgres
NOW = T0 + timedelta(hours=1)
KINDS = [OutcomeKind.SENT, OutcomeKind.RETRY, OutcomeKind.DEFER, OutcomeKind.DEAD, OutcomeKind.CANCELLED]


class PortableStore(SqlLeadStore):
    """The same store with the fast path switched off."""

    @property
    def _on_pg(self) -> bool:
        return False


async def seeded(store: SqlLeadStore, n: int = 12) -> list[str]:
    leads = await store.create_leads([Identity(channel=Channel.TELEGRAM, sender_id=f"s{i}") for i in range(n)], T0)
    plan = SequencePlan()
    for i, (identity, lead) in enumerate(sorted(leads.items(), key=lambda kv: kv[0].sender_id)):
        e = Enrollment(id=f"e{i:02}", lead_id=lead.id, sequence="welcome_drip", variant="a", entered_at=T0)
        plan.enrollments.append(e)
        plan.followups.append(FollowUp(id=f"f{i:02}", lead_id=lead.id, enrollment_id=e.id, sequence="welcome_drip",
                                       step="welcome", variant="a", channel=Channel.TELEGRAM,
                                       sender_id=identity.sender_id, due_at=T0 + timedelta(minutes=i)))
    await store.apply_sequencing(plan)
    ids = [lead.id for _, lead in sorted(leads.items(), key=lambda kv: kv[0].sender_id)]
    async with store.engine.begin() as conn:
        await conn.execute(insert(t.profile_fields), [
            {"lead_id": ids[0], "field": "name", "value": {"first": "Ada", "full": "Ada L"}, "raw": "Ada",
             "conversation_id": "c", "at": T0},
            {"lead_id": ids[0], "field": "company", "value": "Acme", "raw": "Acme", "conversation_id": "c", "at": T0}])
        await conn.execute(insert(t.interactions), [
            {"lead_id": ids[1], "kind": "message", "intent": intent, "channel": "telegram", "sender_id": "s1",
             "data": {}, "at": T0 - timedelta(minutes=m)}
            for intent, m in [("ask_pricing", 5), ("ask_pricing", 50), ("request_demo", 9), ("greet", 1)]])
        await conn.execute(update(t.leads).where(t.leads.c.id == ids[2]).values(
            owner="U1", timezone="Europe/Paris", consent_status="opted_out"))
    return ids


async def run(store: SqlLeadStore) -> dict[str, Any]:
    await store.start()
    try:
        ids = await seeded(store)
        first = await store.claim_due(T0 + timedelta(minutes=5), 4, "a", NOW - timedelta(minutes=1))
        second = await store.claim_due(T0 + timedelta(minutes=5), 4, "b", NOW)  # f04, f05 due; f00-f03 leased
        claimed = await store.claim_due(NOW, 100, "c", NOW + timedelta(minutes=5))  # expired leases come back
        outcomes = [Outcome(followup=f, kind=KINDS[i % 5], at=NOW, text="hello" if i % 5 == 0 else None,
                            reason=None if i % 5 == 0 else f"reason {i}", recorded_at=NOW + timedelta(seconds=i),
                            due_at=NOW + timedelta(hours=i) if i % 5 == 1 else None)
                    for i, f in enumerate(claimed)]
        await store.finish(outcomes[:5])
        await store.finish(outcomes[5:])
        states = await store.lead_states([*ids, "gone"], NOW + timedelta(minutes=1), ["ask_pricing", "request_demo"])
        active = await store.active_enrollments(["e00", "e01", "nope"])
        async with store.engine.connect() as conn:
            rows = [tuple(r) for r in (await conn.execute(select(t.followups).order_by(t.followups.c.id))).all()]
            enrolled = [tuple(r) for r in (await conn.execute(
                select(t.enrollments.c.id, t.enrollments.c.last_sent_at).order_by(t.enrollments.c.id))).all()]
        by_index = {lead_id: i for i, lead_id in enumerate(ids)}
        return {"claims": [[f.id for f in first], [f.id for f in second], [f.id for f in claimed]],
                "states": {by_index[k]: (v.stage, v.consent, v.owner, v.timezone, v.profile, v.intents_since,
                                         v.sends) for k, v in states.items()},
                "active": active, "followups": [r[:1] + r[3:] for r in rows], "enrollments": enrolled}
    finally:
        await store.stop()


async def test_the_fast_path_matches_the_portable_statements(pg_database_factory: Callable[[str], str]) -> None:
    urls = [pg_database_factory("fastpath"), pg_database_factory("portable")]
    for url in urls:
        upgrade(url)
    fast, portable = await run(SqlLeadStore(urls[0])), await run(PortableStore(urls[1]))
    assert fast["claims"] == portable["claims"]
    assert fast["claims"][0] == ["f00", "f01", "f02", "f03"] and fast["claims"][1] == ["f04", "f05"]
    assert fast["claims"][2] == ["f00", "f01", "f02", "f03"] + [f"f{i:02}" for i in range(6, 12)]
    assert fast["states"] == portable["states"]
    assert fast["states"][0][4] == {"name": {"first": "Ada", "full": "Ada L"}, "company": "Acme"}
    assert set(fast["states"][1][5]) == {"ask_pricing", "request_demo"}
    assert fast["states"][2][1:4] == ("opted_out", "U1", "Europe/Paris")
    assert fast["active"] == portable["active"] == {"e00", "e01"}
    assert fast["followups"] == portable["followups"]
    assert fast["enrollments"] == portable["enrollments"]
