"""The behaviour consumer's fast paths (store/pg_scoring.py, store/sqlite_scoring.py) against the portable
SQLAlchemy statements they replace, on twin databases: same leads read, same sequencing state, same rows written; and
the batched sequence exits against one exit after the other."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Text, cast, insert, select, update

from nurture_engine.domain import Channel, Identity, Interaction, Stage
from nurture_engine.errors import OffsetMoved
from nurture_engine.scheduler.jobs import Enrollment, Exit, FollowUp, SequencePlan
from nurture_engine.store import tables as t
from nurture_engine.store.base import IngestBatch, LeadUpdate, Offset
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0

NOW = T0 + timedelta(hours=1)
SENDERS = [Identity(channel=Channel.TELEGRAM, sender_id=f"s{i}") for i in range(6)]


class PortableStore(SqlLeadStore):
    """The same store with the fast path switched off."""

    @property
    def _on_pg(self) -> bool:
        return False

    @property
    def _fast_path(self) -> str | None:
        return None


def enrolled(lead_id: str, n: int, sequence: str) -> tuple[Enrollment, FollowUp]:
    e = Enrollment(id=f"e{n:02}", lead_id=lead_id, sequence=sequence, variant="a", entered_at=T0)
    return e, FollowUp(id=f"f{n:02}", lead_id=lead_id, enrollment_id=e.id, sequence=sequence, step="one",
                       variant="a", channel=Channel.TELEGRAM, sender_id="s", due_at=T0 + timedelta(days=1))


async def seeded(store: SqlLeadStore) -> list[str]:
    leads = await store.create_leads(SENDERS, T0)
    ids = [leads[i].id for i in SENDERS]
    plan = SequencePlan()
    for n, (lead_id, sequence) in enumerate([(ids[0], "welcome"), (ids[0], "pricing"), (ids[1], "welcome"),
                                             (ids[2], "welcome")]):
        e, f = enrolled(lead_id, n, sequence)
        plan.enrollments.append(e)
        plan.followups.append(f)
    await store.apply_sequencing(plan)
    async with store.engine.begin() as conn:
        await conn.execute(update(t.enrollments).where(t.enrollments.c.id.in_(["e00", "e02"])).values(
            last_sent_at=T0 + timedelta(minutes=5)))
        await conn.execute(insert(t.profile_fields), [
            {"lead_id": ids[0], "field": "name", "value": {"first": "Ada", "full": "Ada L"}, "raw": "Ada",
             "conversation_id": "c", "at": T0},
            {"lead_id": ids[0], "field": "company", "value": "Acme", "raw": "Acme", "conversation_id": "c", "at": T0},
            {"lead_id": ids[1], "field": "company_size", "value": {"min": 50, "max": 200}, "raw": "50-200",
             "conversation_id": "d", "at": T0 + timedelta(seconds=1)}])
        await conn.execute(update(t.leads).where(t.leads.c.id == ids[1]).values(
            owner="U1", consent_status="opted_in", consent_at=T0, consent_source="web", demo_requested_at=T0))
    return ids


def said(identity: Identity, i: int, intent: str | None = "ask_pricing", kind: str = "message") -> Interaction:
    at = T0 + timedelta(minutes=i, microseconds=0 if i % 2 else 1234)
    if i % 3 == 0:  # not in UTC (an aware time from another source): converted, as the portable path does
        at = at.astimezone(timezone(timedelta(hours=2)))
    return Interaction(kind=kind, intent=intent, channel=identity.channel, sender_id=identity.sender_id,
                       at=at, data={"length": i, "entities": ["company"] if i % 2 else []})


def batch(ids: list[str], offset: int, keys: list[str], after: int | None = None) -> IngestBatch:
    rows = [(ids[i % 3], said(SENDERS[i % 3], i, None if i % 4 == 0 else "ask_pricing",
                              "bot_message" if i % 5 == 0 else "message")) for i in range(12)]
    updates = [LeadUpdate(lead_id=ids[0], score=12.5, stage=Stage.ENGAGED, stage_reason="talked", at=NOW,
                          messages_added=3),
               LeadUpdate(lead_id=ids[1], score=7.25, stage=Stage.NEW, stage_reason=None, at=NOW, messages_added=4),
               LeadUpdate(lead_id=ids[2], score=61.0, stage=Stage.SQL, stage_reason="score 61", at=NOW)]
    exits = [Exit(lead_id=ids[0], reason="reply", at=NOW, sequences=frozenset({"welcome"})),
             Exit(lead_id=ids[0], reason="stage sql", at=NOW), Exit(lead_id=ids[2], reason="stage sql", at=NOW),
             Exit(lead_id=ids[3], reason="stage sql", at=NOW)]
    e, f = enrolled(ids[4], 10 + offset, "welcome")
    return IngestBatch(interactions=rows, updates=updates, event_keys=keys, offset=Offset("broker", offset, after),
                       at=NOW, sequencing=SequencePlan(enrollments=[e], followups=[f], exits=exits))


async def tables(store: SqlLeadStore, ids: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the ingest writes, lead ids replaced by their index (the twins' uuids differ)."""
    by_index = {lead_id: i for i, lead_id in enumerate(ids)}
    out = {}
    async with store.engine.connect() as conn:
        for table in (t.interactions, t.leads, t.stage_history, t.consumer_offsets, t.processed_events,
                      t.enrollments, t.followups):
            # ids of serial columns left out: a refused batch may use up ids on one path and not the other
            columns = [c for c in table.columns if table is not t.interactions or c.name != "id"]
            rows = (await conn.execute(select(*columns).order_by(*table.primary_key.columns))).all()
            mapped = [tuple(by_index.get(v, v) if isinstance(v, str) else v for v in r) for r in rows]
            out[table.name] = sorted(mapped, key=repr) if table is t.leads else mapped  # leads: by uuid
        # the JSON as stored, not only as decoded: PostgreSQL's json type keeps the text it was given
        out["interactions.data"] = [tuple(r) for r in (await conn.execute(
            select(cast(t.interactions.c.data, Text)).order_by(t.interactions.c.id))).all()]
        # and the times as stored (SQLite keeps text: the fast path writes the dialect's own format)
        out["interactions.at"] = [tuple(r) for r in (await conn.execute(
            select(cast(t.interactions.c.at, Text)).order_by(t.interactions.c.id))).all()]
    return out


async def run(store: SqlLeadStore) -> dict[str, Any]:
    await store.start()
    try:
        ids = await seeded(store)
        before = await store.leads_for_scoring([*SENDERS, Identity(channel=Channel.WEB, sender_id="s0")])
        state = await store.sequencing_state(ids, ids[:2])
        await store.commit_ingest(batch(ids, 1, ["k1", "k2"], after=0))  # the first offset: an insert
        with pytest.raises(Exception):  # a key seen before: the whole batch is refused, sequencing included
            await store.commit_ingest(batch(ids, 2, ["k3", "k1"]))
        failing = batch(ids, 2, ["k3", "k4"])  # a follow-up id taken: fails last on SQLite, first on PostgreSQL
        plan = failing.sequencing
        plan.enrollments[0] = dataclasses.replace(plan.enrollments[0], sequence="pricing")
        plan.followups[0] = dataclasses.replace(plan.followups[0], id="f00", sequence="pricing")
        with pytest.raises(Exception):
            await store.commit_ingest(failing)
        with pytest.raises(OffsetMoved):  # started from a position the offset has left: rolled back whole
            await store.commit_ingest(batch(ids, 2, ["k5"], after=0))
        with pytest.raises(OffsetMoved):  # the same with no sequencing (PostgreSQL: one statement, no transaction)
            await store.commit_ingest(dataclasses.replace(batch(ids, 2, ["k6"], after=0), sequencing=SequencePlan()))
        with pytest.raises(OffsetMoved):  # the offset alone, from a stale start
            await store.commit_ingest(IngestBatch(offset=Offset("broker", 9, after=7), at=NOW))
        await store.commit_ingest(IngestBatch(offset=Offset("broker", 3, after=1), at=NOW))  # the offset alone
        await store.commit_ingest(IngestBatch(offset=Offset("other", 4), at=NOW))
        # a lead already in a sequence is not enrolled again (its follow-ups neither); a new one is
        (taken, f_taken), (new, f_new) = enrolled(ids[4], 20, "welcome"), enrolled(ids[5], 21, "pricing")
        await store.commit_ingest(IngestBatch(interactions=[(ids[5], said(SENDERS[5], 30))], at=NOW,
                                              sequencing=SequencePlan(enrollments=[taken, new],
                                                                      followups=[f_taken, f_new])))
        after = await store.leads_for_scoring(SENDERS)
        by_index = {lead_id: i for i, lead_id in enumerate(ids)}
        return {"before": {k: (by_index[v.id], v.stage, v.score, v.consent, v.created_at, v.demo_requested_at,
                               v.profile, v.refused, v.identities, v.message_count, v.owner)
                           for k, v in before.items()},
                "after": {k: (v.stage, v.score, v.message_count) for k, v in after.items()},
                "state": ({by_index[k]: v for k, v in state[0].items()},
                          {by_index[k]: [(e.id, e.sequence, e.active, e.last_sent_at) for e in v]
                           for k, v in state[1].items()}),
                "tables": await tables(store, ids)}
    finally:
        await store.stop()


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_fast_path_matches_the_portable_statements(db: str, request: pytest.FixtureRequest,
                                                             tmp_path: Path) -> None:
    if db == "postgres":
        make: Callable[[str], str] = request.getfixturevalue("pg_database_factory")
        urls = [make("scorefast"), make("scoreportable")]
    else:
        urls = [f"sqlite:///{tmp_path}/fast.db", f"sqlite:///{tmp_path}/portable.db"]
    for url in urls:
        upgrade(url)
    fast, portable = await run(SqlLeadStore(urls[0])), await run(PortableStore(urls[1]))
    assert fast["before"] == portable["before"]
    assert set(fast["before"]) == set(SENDERS)
    assert {f.value for f in fast["before"][SENDERS[0]][6]} == {"name", "company"}
    assert fast["after"] == portable["after"]
    assert fast["state"] == portable["state"]
    assert fast["state"][0] == {0: {"welcome", "pricing"}, 1: {"welcome"}}
    assert sorted(fast["state"][1]) == [0, 1]
    assert fast["tables"] == portable["tables"]
    assert [r[:2] for r in fast["tables"]["consumer_offsets"]] == [("broker", 3), ("other", 4)]
    assert len(fast["tables"]["interactions"]) == 13  # nothing of the refused batches
    assert [r[0] for r in fast["tables"]["processed_events"]] == ["k1", "k2"]
    # e12 rolled back, e20 skipped (its lead was in "welcome" since e11)
    assert [r[0] for r in fast["tables"]["enrollments"]] == ["e00", "e01", "e02", "e03", "e11", "e21"]
    assert [r[0] for r in fast["tables"]["followups"]] == ["f00", "f01", "f02", "f03", "f11", "f21"]
    assert [r[0:3] for r in fast["tables"]["interactions"][:3]] == [
        (0, "bot_message", None), (1, "message", "ask_pricing"), (2, "message", "ask_pricing")]


async def test_batched_exits_match_one_exit_after_the_other(tmp_path: Path) -> None:
    """Several exits in one plan (the consumer's path) end the same enrollments with the same reasons and
    cancel the same follow-ups as applying them one at a time."""
    stores = [SqlLeadStore(f"sqlite:///{tmp_path}/batched.db"), SqlLeadStore(f"sqlite:///{tmp_path}/one.db")]
    results = []
    for n, store in enumerate(stores):
        upgrade(store._url.replace("sqlite+aiosqlite", "sqlite"))
        await store.start()
        try:
            ids = await seeded(store)
            plan = batch(ids, 1, []).sequencing
            if n == 0:
                await store.commit_ingest(IngestBatch(sequencing=plan, at=NOW))
            else:
                await store.apply_sequencing(SequencePlan(enrollments=plan.enrollments, followups=plan.followups))
                for ex in plan.exits:
                    await store.apply_sequencing(SequencePlan(exits=[ex]))
            written = await tables(store, ids)
            results.append([written["enrollments"], written["followups"]])
        finally:
            await store.stop()
    assert results[0] == results[1]
    reasons = {r[0]: (r[4], r[5]) for r in results[0][0]}
    assert reasons == {"e00": (False, "reply"), "e01": (False, "stage sql"), "e02": (True, None),
                       "e03": (False, "stage sql"), "e11": (True, None)}


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["fast", "portable"])
async def test_a_batch_from_an_offset_a_commit_in_flight_moves_is_refused(kind: str, request: pytest.FixtureRequest
                                                                          ) -> None:
    """The restart race on PostgreSQL: a cancelled consumer's batch is still committing (it holds the offset
    row) when its successor, having read the old position, writes its own batch from there. The successor's
    write waits for the row, sees the moved position and rolls back whole: nothing of its batch is kept."""
    make: Callable[[str], str] = request.getfixturevalue("pg_database_factory")
    url = make("offsetrace")
    upgrade(url)
    store = SqlLeadStore(url) if kind == "fast" else PortableStore(url)
    await store.start()
    try:
        ids = await seeded(store)
        await store.commit_ingest(IngestBatch(offset=Offset("broker", 4, after=0), at=NOW))
        async with store.engine.connect() as late:  # the cancelled consumer's transaction, not yet committed
            in_flight = await late.begin()
            await late.execute(update(t.consumer_offsets).values(position=9))
            successor = asyncio.ensure_future(store.commit_ingest(batch(ids, 9, [], after=4)))
            await asyncio.sleep(0.3)
            assert not successor.done()  # waiting for the row the late commit holds
            await in_flight.commit()
            with pytest.raises(OffsetMoved):
                await successor
        written = await tables(store, ids)
        assert [r[:2] for r in written["consumer_offsets"]] == [("broker", 9)]
        assert written["interactions"] == [] and [r[0] for r in written["enrollments"]] == ["e00", "e01", "e02", "e03"]
    finally:
        await store.stop()
