"""An answered profiling turn in one store call: `record_profile` writes what `set_field` (per answer),
`add_interaction` and `commit_ingest` wrote, on the memory store, SQLite (fast and portable statements) and
PostgreSQL; the SQLite fast reads give the leads the portable reads give."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Text, cast, select

from nurture_engine.domain import Channel, FieldValue, Identity, Interaction, ProfileField, Stage
from nurture_engine.errors import LeadNotFound
from nurture_engine.scheduler.jobs import Enrollment, FollowUp, SequencePlan
from nurture_engine.store import tables as t
from nurture_engine.store.base import IngestBatch, LeadUpdate, NurtureStore, ProfileWrite
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0
from tests.engine.test_scoring_fast_path import PortableStore

NOW = T0 + timedelta(minutes=5)


@pytest.fixture(params=["memory", "sqlite", "sqlite-portable", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[NurtureStore]:
    if request.param == "memory":
        s: NurtureStore = MemoryLeadStore()
    else:
        if request.param == "postgres":
            make: Callable[[], str] = request.getfixturevalue("pg_database_factory")
            url = make()
        else:
            url = f"sqlite:///{tmp_path / 'leads.db'}"
        upgrade(url)
        s = PortableStore(url) if request.param == "sqlite-portable" else SqlLeadStore(url)
    await s.start()
    yield s
    await s.stop()


def fv(field: ProfileField, value: object, raw: str, at: Any = NOW) -> FieldValue:
    return FieldValue(field=field, value=value, raw=raw, conversation_id="c-1", at=at)


def turn(lead_id: str, tag: str, ids: str = "", stage_reason: str | None = "score 40 reached the mql threshold 40"
         ) -> tuple[list[FieldValue], Interaction, LeadUpdate, SequencePlan]:
    values = [fv(ProfileField.ROLE, {"title": "CTO", "seniority": "c_level"}, "CTO"),
              fv(ProfileField.BUDGET, {"amount": 20000, "period": "year"}, "20k a year"),
              fv(ProfileField.EMAIL, f"{tag}@globex.com", f"{tag.upper()}@Globex.com")]
    interaction = Interaction(kind="profile", intent="inform", channel=Channel.WEB, sender_id="c-1",
                              data={"fields": ["budget", "email", "role"]}, at=NOW)
    update = LeadUpdate(lead_id=lead_id, score=41.25, stage=Stage.MQL, stage_reason=stage_reason,
                        at=NOW + timedelta(seconds=1))
    e = Enrollment(id=f"e-{tag}{ids}", lead_id=lead_id, sequence="nurture", variant="a", entered_at=NOW)
    plan = SequencePlan(enrollments=[e], followups=[FollowUp(
        id=f"f-{tag}{ids}", lead_id=lead_id, enrollment_id=e.id, sequence="nurture", step="one", variant="a",
        channel=Channel.WEB, sender_id="c-1", due_at=NOW + timedelta(days=1))])
    return values, interaction, update, plan


async def seeded(store: NurtureStore, sender: str) -> str:
    lead = await store.create_lead(Identity(channel=Channel.WEB, sender_id=sender), T0)
    await store.set_field(lead.id, fv(ProfileField.ROLE, {"title": "intern", "seniority": "junior"}, "intern", T0))
    await store.set_field(lead.id, fv(ProfileField.USE_CASE, "forecasting", "forecasting", T0))
    for field in (ProfileField.BUDGET, ProfileField.TIMELINE):
        await store.add_refusal(lead.id, field, "c-1", T0)
    return lead.id


async def snapshot(store: NurtureStore, lead_id: str) -> dict[str, Any]:
    """What the store keeps of the lead, ids and the lead's own id left out."""
    lead = await store.get_lead(lead_id)
    out: dict[str, Any] = {
        "lead": (lead.stage, lead.score, lead.profile, list(lead.profile), lead.refused, lead.message_count),
        "interactions": await store.interactions(lead_id),
        "history": await store.stage_history(lead_id),
        "followups": [(f.sequence, f.step, f.due_at, f.status) for f in await store.followups_of(lead_id)],
        "enrollments": [(e.sequence, e.active) for e in (await store.enrollments_for([lead_id])).get(lead_id, [])]}
    if isinstance(store, SqlLeadStore):
        async with store.engine.connect() as conn:
            row = (await conn.execute(select(t.leads).where(t.leads.c.id == lead_id))).one()._asdict()
            row.pop("id")
            out["row"] = row
            out["stored"] = [tuple(r) for r in (await conn.execute(
                select(t.profile_fields.c.field, cast(t.profile_fields.c.value, Text), t.profile_fields.c.at)
                .where(t.profile_fields.c.lead_id == lead_id).order_by(t.profile_fields.c.field))).all()]
            out["stored"] += [tuple(r) for r in (await conn.execute(
                select(cast(t.interactions.c.data, Text), t.interactions.c.at)
                .where(t.interactions.c.lead_id == lead_id).order_by(t.interactions.c.id))).all()]
    return out


@pytest.mark.parametrize("entering", [True, False], ids=["entering-a-sequence", "no-sequence-change"])
async def test_one_call_writes_what_the_three_calls_wrote(store: NurtureStore, entering: bool) -> None:
    """With a sequence entered (the portable statements in one transaction on PostgreSQL) and without (one
    statement there)."""
    old, new = await seeded(store, "old"), await seeded(store, "new")
    values, interaction, update, plan = turn(old, "x")
    plan = plan if entering else SequencePlan()
    for value in values:
        await store.set_field(old, value)
    await store.add_interaction(old, interaction)
    await store.commit_ingest(IngestBatch(updates=[update], at=update.at, sequencing=plan))
    values, interaction, update, plan = turn(new, "x", "2")
    plan = plan if entering else SequencePlan()
    assert await store.record_profile(ProfileWrite(lead_id=new, values=values, interaction=interaction,
                                                   update=update, sequencing=plan, expect=(Stage.NEW, 0)))
    expected, got = await snapshot(store, old), await snapshot(store, new)
    assert got == expected
    lead = got["lead"]
    assert lead[0] is Stage.MQL and lead[1] == 41.25 and lead[4] == frozenset({ProfileField.TIMELINE})
    assert lead[2][ProfileField.ROLE].raw == "CTO" and lead[2][ProfileField.USE_CASE].raw == "forecasting"
    assert [h.stage for h in got["history"]] == [Stage.MQL]
    assert got["enrollments"] == ([("nurture", True)] if entering else [])
    if "row" in got:
        assert got["row"]["email"] == "x@globex.com"


async def test_a_lead_changed_meanwhile_is_left_alone(store: NurtureStore) -> None:
    lead_id = await seeded(store, "v")
    before = await snapshot(store, lead_id)
    values, interaction, update, plan = turn(lead_id, "y")
    for expect in ((Stage.NEW, 1), (Stage.ENGAGED, 0)):
        assert not await store.record_profile(ProfileWrite(lead_id=lead_id, values=values, interaction=interaction,
                                                           update=update, sequencing=plan, expect=expect))
    assert await snapshot(store, lead_id) == before
    unchanged = turn(lead_id, "z", stage_reason=None)
    assert await store.record_profile(ProfileWrite(lead_id=lead_id, values=[], interaction=unchanged[1],
                                                   update=unchanged[2]))
    after = await snapshot(store, lead_id)
    assert after["history"] == [] and after["lead"][0] is Stage.MQL and len(after["interactions"]) == 1


async def test_an_unknown_lead(store: NurtureStore) -> None:
    values, interaction, update, _ = turn("nope", "n")
    with pytest.raises(LeadNotFound):
        await store.record_profile(ProfileWrite(lead_id="nope", values=values, interaction=interaction,
                                                update=update))
    assert not await store.record_profile(ProfileWrite(lead_id="nope", values=values, interaction=interaction,
                                                       update=update, expect=(Stage.NEW, 0)))


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_fast_reads_match_the_portable_ones(db: str, request: pytest.FixtureRequest,
                                                      tmp_path: Path) -> None:
    if db == "postgres":
        make: Callable[[], str] = request.getfixturevalue("pg_database_factory")
        url = make()
    else:
        url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    fast, portable = SqlLeadStore(url), PortableStore(url)
    await fast.start()
    await portable.start()
    try:
        into, other = await seeded(fast, "a"), await seeded(fast, "b")
        await fast.create_lead(Identity(channel=Channel.TELEGRAM, sender_id="lonely"), T0)
        await fast.set_field(other, fv(ProfileField.EMAIL, "b@x.io", "b@x.io"))
        await fast.set_field(other, fv(ProfileField.COMPANY, "Globex", "Globex"))
        for n in range(3):
            await fast.add_interaction(other, Interaction(kind="message", intent="greet", channel=Channel.WEB,
                                                          sender_id="b", data={"n": n, "é": [1.5]},
                                                          at=T0 + timedelta(seconds=n)))
        await fast.merge_leads(into, other, "same email", NOW)
        for sender in ("a", "b", "nobody"):
            identity = Identity(channel=Channel.WEB, sender_id=sender)
            got, expected = await fast.lead_for_identity(identity), await portable.lead_for_identity(identity)
            assert got == expected
            assert got is None or list(got.profile) == list(expected.profile)  # type: ignore[union-attr]
        lead = await fast.lead_for_identity(Identity(channel=Channel.WEB, sender_id="b"))
        assert lead is not None and [i.sender_id for i in lead.identities] == ["a", "b"]
        assert set(lead.profile) == {ProfileField.ROLE, ProfileField.USE_CASE, ProfileField.EMAIL,
                                     ProfileField.COMPANY}
        assert await fast.interactions(into) == await portable.interactions(into)
        assert [i.data for i in await fast.interactions(into)] == [{"n": n, "é": [1.5]} for n in range(3)]
        assert await fast.lead_for_identity(Identity(channel=Channel.TELEGRAM, sender_id="lonely")) == \
            await portable.lead_for_identity(Identity(channel=Channel.TELEGRAM, sender_id="lonely"))
    finally:
        await fast.stop()
        await portable.stop()


async def test_a_new_lead_is_what_reading_it_back_gives(store: NurtureStore) -> None:
    from datetime import timezone

    at = (T0 + timedelta(microseconds=123457)).astimezone(timezone(timedelta(hours=2)))
    lead = await store.create_lead(Identity(channel=Channel.TELEGRAM, sender_id="fresh"), at)
    assert lead == await store.get_lead(lead.id)
    assert lead == await store.lead_for_identity(Identity(channel=Channel.TELEGRAM, sender_id="fresh"))


async def test_the_pinned_aiosqlite_runs_a_whole_turn_in_one_call(tmp_path: Path) -> None:
    """The SQLite fast path needs aiosqlite's `_execute`/`_conn` (0.22); without them the portable path runs."""
    from nurture_engine.store.sqlite_profile import one_call_per_turn

    assert one_call_per_turn()
    url = f"sqlite:///{tmp_path}/one.db"
    upgrade(url)
    store = SqlLeadStore(url)
    await store.start()
    try:
        assert store._sqlite_profile is not None
    finally:
        await store.stop()
