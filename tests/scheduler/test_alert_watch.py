"""The alert watcher raises sales alerts from stage changes and hand-off requests, once each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from nurture_engine.alert_watch import SETTLED, STAGE_OFFSET, AlertWatcher, IdGaps
from nurture_engine.alerts import SalesAlerter
from nurture_engine.alerts_model import AlertTrigger
from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, Identity, ProfileField
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store import tables as t
from nurture_engine.store.alerts_memory import MemoryAlertStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0, memory_service, test_settings

from .conftest import said

TG = Identity(channel=Channel.TELEGRAM, sender_id="900")


class Transcript:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def events(self, sender_id: str) -> list[dict[str, object]]:
        self.asked.append(sender_id)
        return [{"event": "user", "text": "can I talk to sales?", "timestamp": T0.timestamp()},
                {"event": "bot", "text": "Sure, what's your work email?", "timestamp": T0.timestamp() + 1}]


async def test_a_lead_reaching_sql_and_a_handoff_request_each_raise_one_alert() -> None:
    service, store, clock = memory_service()
    alerts = MemoryAlertStore()
    alerter = SalesAlerter(store=alerts, clock=clock, lead_actions=service)
    transcript = Transcript()
    watcher = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock, conversations=transcript)
    await alerter.start()
    conv = Conversation(channel=TG.channel, sender_id=TG.sender_id)
    await service.record_answers(conv, {ProfileField.EMAIL: "ana@globex.com", ProfileField.ROLE: "VP of Sales"})
    await service.record_demo_request(conv, "request_demo")  # demo + email: sql
    assert await watcher.run_once() == 1
    lead = await service.lookup(conv)
    assert lead is not None and lead.stage.value == "sql"
    [alert] = await alerter.alerts_for(lead.id)
    assert alert.trigger is AlertTrigger.STAGE_SQL and alert.context.channel is Channel.TELEGRAM
    assert [m.text for m in alert.context.messages] == ["can I talk to sales?", "Sure, what's your work email?"]
    assert transcript.asked == ["900"]
    assert await watcher.run_once() == 0  # positions are kept: nothing is handled twice
    other = Identity(channel=Channel.WEB, sender_id="web-visitor-0001")
    await service.ingest([said(other, "human_handoff", T0)])
    assert await watcher.run_once() == 1
    someone = await service.lookup(Conversation(channel=other.channel, sender_id=other.sender_id))
    assert someone is not None
    [handoff] = await alerter.alerts_for(someone.id)
    assert handoff.trigger is AlertTrigger.HUMAN_HANDOFF
    clock.set(T0 + timedelta(hours=1))
    await service.ingest([said(other, "contact_sales", T0 + timedelta(hours=1))])
    assert await watcher.run_once() == 1
    assert len(await alerter.alerts_for(someone.id)) == 1  # within the cooldown: not announced again


def test_gaps_are_asked_for_until_they_fill_or_settle() -> None:
    gaps = IdGaps(settle=timedelta(seconds=60))
    gaps.passed(3, [4, 6, 9], T0)  # 5, 7 and 8 had no row when 6 and 9 were read
    assert gaps.open(T0) == [5, 7, 8]
    gaps.close([7])
    gaps.passed(9, [12], T0 + timedelta(seconds=30))
    assert gaps.open(T0 + timedelta(seconds=30)) == [5, 8, 10, 11]
    assert gaps.open(T0 + timedelta(seconds=61)) == [10, 11]  # 5 and 8: a rollback or an erased row, given up
    assert gaps.open(T0 + timedelta(seconds=91)) == []


def test_gaps_stay_bounded_after_a_huge_rollback() -> None:
    gaps = IdGaps(limit=100)
    gaps.passed(0, [1, 5_000], T0)
    assert gaps.open(T0) == list(range(4_900, 5_000))  # the newest are kept


@pytest.mark.postgres
async def test_a_stage_change_committing_after_a_later_one_was_read_is_still_alerted(
        pg_database_factory: Callable[[str], str]) -> None:
    """Two writers on PostgreSQL (the action server and the consumer): the row with the lower id commits last.
    The watcher has moved its offset past it by then; it still raises that lead's alert on the next pass."""
    url = pg_database_factory("alertgap")
    upgrade(url)
    store = SqlLeadStore(url)
    clock = FrozenClock(T0)
    service = NurtureService(store=store, clock=clock, settings=test_settings())
    alerter = SalesAlerter(store=MemoryAlertStore(), clock=clock, lead_actions=service)
    watcher = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock)
    await service.start()
    await alerter.start()
    try:
        first, second = Identity(channel=Channel.WEB, sender_id="web-a"), Identity(channel=Channel.WEB,
                                                                                    sender_id="web-b")
        await service.ingest([said(first, "greet", T0), said(second, "greet", T0)])
        ids = {i: (await service.lookup(Conversation(channel=i.channel, sender_id=i.sender_id))).id  # type: ignore[union-attr]
               for i in (first, second)}
        row = {"stage": "sql", "reason": "demo requested", "at": T0}
        async with store.engine.connect() as slow:
            in_flight = await slow.begin()  # its id is taken now, its commit comes last
            await slow.execute(insert(t.stage_history).values(lead_id=ids[first], **row))
            async with store.engine.begin() as fast:
                await fast.execute(insert(t.stage_history).values(lead_id=ids[second], **row))
            assert await watcher.run_once() == 1
            assert await alerter.alerts_for(ids[first]) == []
            await in_flight.commit()
        assert await watcher.run_once() == 1
        [alert] = await alerter.alerts_for(ids[first])
        assert alert.trigger is AlertTrigger.STAGE_SQL
        assert len(await alerter.alerts_for(ids[second])) == 1
        assert await watcher.run_once() == 0
    finally:
        await alerter.stop()
        await service.stop()


def test_the_settled_mark_stays_below_every_open_gap() -> None:
    gaps = IdGaps(settle=timedelta(seconds=60))
    assert gaps.settled(7) == 7  # nothing open: all read is settled
    gaps.passed(3, [4, 6, 9], T0)
    assert gaps.settled(9) == 4  # 5 is open
    gaps.close([5, 7])
    assert gaps.settled(9) == 7
    gaps.open(T0 + timedelta(seconds=61))  # 8 given up
    assert gaps.settled(9) == 9


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_row_committing_late_across_a_restart_is_still_alerted(db: str, request: pytest.FixtureRequest,
                                                                       tmp_path: Path) -> None:
    """The watcher reads past a position whose row has not committed yet, and its process stops. The next
    process reads again from the stored settled mark: the late row is alerted; the row alerted before is
    answered by the alerter's once-per-lead rule, not announced twice."""
    if db == "postgres":
        url = request.getfixturevalue("pg_database_factory")("alertrestart")
    else:
        url = f"sqlite:///{tmp_path}/leads.db"
    upgrade(url)
    store = SqlLeadStore(url)
    clock = FrozenClock(T0)
    service = NurtureService(store=store, clock=clock, settings=test_settings())
    alerter = SalesAlerter(store=MemoryAlertStore(), clock=clock, lead_actions=service)
    await service.start()
    await alerter.start()
    try:
        first, second = (Identity(channel=Channel.WEB, sender_id=s) for s in ("web-a", "web-b"))
        await service.ingest([said(first, "greet", T0), said(second, "greet", T0)])
        ids = {i: (await service.lookup(Conversation(channel=i.channel, sender_id=i.sender_id))).id  # type: ignore[union-attr]
               for i in (first, second)}
        row = {"stage": "sql", "reason": "demo requested", "at": T0}
        async with store.engine.begin() as conn:  # id 1000 commits while 999 is still in flight elsewhere
            await conn.execute(insert(t.stage_history).values(id=1000, lead_id=ids[second], **row))
        before = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock)
        assert await before.run_once() == 1
        assert await service.event_offset(STAGE_OFFSET) == 1000
        assert await service.event_offset(STAGE_OFFSET + SETTLED) < 999
        async with store.engine.begin() as conn:  # the process stopped; then 999 commits
            await conn.execute(insert(t.stage_history).values(id=999, lead_id=ids[first], **row))
        after = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock)
        assert await after.run_once() == 2  # 999, and 1000 read again
        [alert] = await alerter.alerts_for(ids[first])
        assert alert.trigger is AlertTrigger.STAGE_SQL
        assert len(await alerter.alerts_for(ids[second])) == 1
        assert await after.run_once() == 0
        assert await service.event_offset(STAGE_OFFSET) == 1000
        clock.set(T0 + timedelta(seconds=61))  # the positions below 999 never filled: given up, settled
        assert await after.run_once() == 0
        assert await service.event_offset(STAGE_OFFSET + SETTLED) == 1000
    finally:
        await alerter.stop()
        await service.stop()


async def test_an_offset_stored_before_the_settled_mark_existed_is_read_on_from(tmp_path: Path) -> None:
    service, store, clock = memory_service()
    alerter = SalesAlerter(store=MemoryAlertStore(), clock=clock, lead_actions=service)
    await alerter.start()
    conv = Conversation(channel=TG.channel, sender_id=TG.sender_id)
    await service.record_answers(conv, {ProfileField.EMAIL: "ana@globex.com", ProfileField.ROLE: "VP of Sales"})
    await service.record_demo_request(conv, "request_demo")
    position = (await store.alert_rows("stage", 0))[-1][0]
    await service.save_offsets({STAGE_OFFSET: position})  # an older version's watcher handled it
    watcher = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock)
    assert await watcher.run_once() == 0  # not read again from the start of history


async def test_a_privacy_request_raises_a_staff_alert_even_for_a_disqualified_lead() -> None:
    service, store, clock = memory_service()
    alerter = SalesAlerter(store=MemoryAlertStore(), clock=clock, lead_actions=service)
    watcher = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock)
    await alerter.start()
    await service.ingest([said(TG, "greet", T0)])
    lead = await service.lookup(Conversation(channel=TG.channel, sender_id=TG.sender_id))
    assert lead is not None
    await service.not_a_fit(lead.id, by="slack:U1")
    await service.ingest([said(TG, "human_handoff", T0), said(TG, "privacy_request", T0)])
    assert await watcher.run_once() == 2
    [alert] = await alerter.alerts_for(lead.id)  # the hand-off of a disqualified lead is not announced
    assert alert.trigger is AlertTrigger.PRIVACY_REQUEST and alert.context.stage.value == "disqualified"
