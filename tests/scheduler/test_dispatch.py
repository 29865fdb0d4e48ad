"""Sequences and the dispatcher on the in-memory store with a frozen clock."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, ConsentStatus, Identity
from nurture_engine.scheduler.adapters import RecordingAdapter, SendFailed
from nurture_engine.scheduler.dispatcher import Dispatcher
from nurture_engine.scheduler.jobs import FollowUpStatus
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.testing import test_settings

from .conftest import said

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # a Wednesday; London is on UTC in November
TG = Identity(channel=Channel.TELEGRAM, sender_id="4242")
H = timedelta(hours=1)
D = timedelta(days=1)


class World:
    def __init__(self) -> None:
        self.settings = test_settings()
        self.clock = FrozenClock(T0)
        self.store = MemoryLeadStore()
        self.service = NurtureService(store=self.store, clock=self.clock, settings=self.settings)
        self.telegram = RecordingAdapter(Channel.TELEGRAM)
        self.dispatcher = Dispatcher(store=self.store, adapters={Channel.TELEGRAM: self.telegram},
                                     plan=self.settings.plan, business=self.settings.business, clock=self.clock)

    async def dispatch(self, at: datetime) -> list[str]:
        self.clock.set(at)
        before = len(self.telegram.sent)
        await self.dispatcher.drain(at)
        return [m.text for m in self.telegram.sent[before:]]

    async def followups(self) -> list[tuple[str, str, FollowUpStatus]]:
        lead = await self.service.lookup(Conversation(channel=TG.channel, sender_id=TG.sender_id))
        assert lead is not None
        return [(f.sequence, f.step, f.status) for f in await self.service.followups(lead.id)]


async def test_a_silent_lead_gets_the_drip_at_the_configured_times() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0)])
    assert await w.dispatch(T0 + 30 * timedelta(minutes=1)) == []
    [welcome] = await w.dispatch(T0 + H)
    assert "Pipewise" in welcome or "Pipewise Revenue Cloud" in welcome
    assert "there" in welcome  # the name is unknown
    assert await w.dispatch(T0 + 2 * D - H) == []
    [case] = await w.dispatch(T0 + 2 * D)
    assert "https://pipewise.example/customers/globex" in case
    [pricing] = await w.dispatch(T0 + 5 * D)
    assert "https://pipewise.example/pricing" in pricing
    [demo] = await w.dispatch(T0 + 9 * D)
    assert "https://meet.pipewise.example/demo" in demo
    assert [m.recipient for m in w.telegram.sent] == ["4242"] * 4
    assert {s for _, _, s in await w.followups()} == {FollowUpStatus.SENT}


async def test_a_reply_to_a_follow_up_ends_the_drip() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0)])
    await w.dispatch(T0 + H)
    w.clock.set(T0 + 3 * H)
    await w.service.ingest([said(TG, "ask_features", T0 + 3 * H)])
    assert await w.dispatch(T0 + 10 * D) == []
    steps = {step: status for _, step, status in await w.followups()}
    assert steps["welcome"] is FollowUpStatus.SENT
    assert steps["case_study"] is steps["pricing_guide"] is steps["demo_offer"] is FollowUpStatus.CANCELLED


async def test_messages_before_any_follow_up_are_not_replies() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0), said(TG, "ask_features", T0 + timedelta(minutes=5))])
    assert len(await w.dispatch(T0 + H)) == 1


async def test_opt_out_stops_everything_at_once() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0), said(TG, "ask_pricing", T0)])
    await w.dispatch(T0 + H)
    await w.service.set_consent(Conversation(channel=TG.channel, sender_id="4242"), ConsentStatus.OPTED_OUT, "STOP")
    assert await w.dispatch(T0 + 30 * D) == []
    assert all(s in (FollowUpStatus.SENT, FollowUpStatus.CANCELLED) for _, _, s in await w.followups())


async def test_opt_out_after_the_claim_is_rechecked_at_send_time() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0)])
    lead = await w.service.lookup(Conversation(channel=TG.channel, sender_id="4242"))
    assert lead is not None
    claimed = await w.store.claim_due(T0 + H, 10, "tok", T0 + 2 * H)
    await w.store.set_consent(lead.id, ConsentStatus.OPTED_OUT, T0 + H, "telegram", "STOP")
    w.store.claims[claimed[0].id] = ("tok", T0)  # lease over: the next dispatcher takes the row
    assert await w.dispatch(T0 + H + timedelta(seconds=1)) == []


async def test_a_step_due_in_quiet_hours_waits_for_the_morning() -> None:
    w = World()
    evening = datetime(2026, 11, 25, 22, 0, tzinfo=timezone.utc)
    w.clock.set(evening)
    await w.service.ingest([said(TG, "greet", evening)])
    assert await w.dispatch(evening + H) == []  # 23:00 London
    [(_, _, status)] = [f for f in await w.followups() if f[1] == "welcome"]
    assert status is FollowUpStatus.SCHEDULED
    assert await w.dispatch(datetime(2026, 11, 26, 7, 59, tzinfo=timezone.utc)) == []
    assert len(await w.dispatch(datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc))) == 1


async def test_caps_hold_one_a_day_and_three_a_week() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0), said(TG, "ask_pricing", T0), said(TG, "request_content", T0)])
    sent_at = []
    for hours in range(0, 24 * 12):
        at = T0 + hours * H
        if await w.dispatch(at):
            sent_at.append(at)
    assert len(sent_at) >= 5, sent_at  # welcome, content guide, pricing follow-up, case study, ...
    assert any(b - a < D for a, b in itertools.pairwise(sent_at)) is False
    for i, at in enumerate(sent_at):
        assert sum(1 for s in sent_at if at - D < s <= at) <= 1
        assert sum(1 for s in sent_at if at - 7 * D < s <= at) <= 3, (i, sent_at)


async def test_retries_honour_retry_after_and_dead_letter_with_the_reason() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0)])
    w.telegram.failures = [SendFailed("telegram rate limit", retryable=True, retry_after=120)]
    assert await w.dispatch(T0 + H) == []
    assert await w.dispatch(T0 + H + timedelta(seconds=119)) == []
    assert len(await w.dispatch(T0 + H + timedelta(seconds=120))) == 1
    w2 = World()
    await w2.service.ingest([said(TG, "greet", T0)])
    w2.telegram.failures = [SendFailed("telegram unavailable", retryable=True)] * 5
    at = T0 + H
    for _ in range(5):
        await w2.dispatch(at)
        at += timedelta(hours=2)
    lead = await w2.service.lookup(Conversation(channel=TG.channel, sender_id="4242"))
    assert lead is not None
    [welcome] = [f for f in await w2.service.followups(lead.id) if f.step == "welcome"]
    assert welcome.status is FollowUpStatus.DEAD and welcome.attempts == 5
    assert welcome.last_error == "telegram unavailable (gave up after 5 attempts)"


async def test_a_permanent_failure_is_dead_lettered_at_once() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0)])
    w.telegram.failures = [SendFailed("telegram refused the message: Forbidden: bot was blocked", retryable=False)]
    await w.dispatch(T0 + H)
    statuses = {step: s for _, step, s in await w.followups()}
    assert statuses["welcome"] is FollowUpStatus.DEAD


async def test_reaching_sql_or_a_sales_claim_ends_the_sequences() -> None:
    w = World()
    await w.service.ingest([said(TG, "greet", T0)])
    lead = await w.service.lookup(Conversation(channel=TG.channel, sender_id="4242"))
    assert lead is not None
    await w.service.claim(lead.id, "U-SALES-1")
    assert await w.dispatch(T0 + 10 * D) == []
    w3 = World()
    await w3.service.ingest([said(TG, "greet", T0)])
    lead3 = await w3.service.lookup(Conversation(channel=TG.channel, sender_id="4242"))
    assert lead3 is not None
    await w3.service.not_a_fit(lead3.id, "U-SALES-2", "a student")
    assert await w3.dispatch(T0 + 10 * D) == []
    assert (await w3.service.get_lead(lead3.id)).stage.value == "disqualified"


async def test_behaviour_triggers_and_their_step_conditions() -> None:
    w = World()
    await w.service.ingest([said(TG, "ask_pricing", T0)])
    names = {seq for seq, _, _ in await w.followups()}
    assert {"welcome_drip", "pricing_no_demo"} <= names
    w.clock.set(T0 + 20 * H)
    await w.service.ingest([said(TG, "request_demo", T0 + 20 * H)])
    for day in range(1, 4):
        await w.dispatch(T0 + day * D)
    statuses = {(seq, step): s for seq, step, s in await w.followups()}
    assert statuses[("pricing_no_demo", "pricing_follow_up")] is FollowUpStatus.CANCELLED


async def test_variants_are_sticky_per_lead() -> None:
    from nurture_engine.sequencer import sticky_variant

    drip = next(s for s in test_settings().plan.sequences if s.name == "welcome_drip")
    assert {sticky_variant("lead-1", drip) for _ in range(5)} == {sticky_variant("lead-1", drip)}
    assert {sticky_variant(f"lead-{i}", drip) for i in range(50)} == {"a", "b"}


async def test_a_slow_channel_hands_back_its_claim_before_the_lease_ends() -> None:
    import asyncio
    import dataclasses

    from nurture_engine.scheduler.adapters import Outgoing

    class SlowTelegram(RecordingAdapter):
        async def send(self, message: Outgoing) -> None:
            await asyncio.sleep(0.15)
            await super().send(message)

    w = World()
    for i in range(100):
        await w.service.ingest([said(Identity(channel=Channel.TELEGRAM, sender_id=str(5000 + i)), "greet", T0)])
    slow = SlowTelegram(Channel.TELEGRAM)
    delivery = dataclasses.replace(w.settings.plan.delivery, lease_seconds=0.2)
    plan = dataclasses.replace(w.settings.plan, delivery=delivery)
    dispatcher = Dispatcher(store=w.store, adapters={Channel.TELEGRAM: slow}, plan=plan, business=w.settings.business,
                            clock=w.clock, batch_size=100, concurrency=32)
    w.clock.set(T0 + H)
    report = await dispatcher.run_once(T0 + H)
    assert report.claimed == 100 and report.counts == {"sent": 32, "defer": 68}
    released = [f for f in w.store.followups.values() if f.last_error == "released: claim lease running out"]
    assert len(released) == 68 and {f.status for f in released} == {FollowUpStatus.SCHEDULED}
    assert all(f.due_at == T0 + H for f in released)  # due as before: the next claim takes them at once
    await dispatcher.drain(T0 + H)
    assert len({m.key for m in slow.sent}) == len(slow.sent) == 100  # everyone once, nobody twice
