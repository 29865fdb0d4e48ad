"""Delivery faults against the fake Telegram Bot API through python-telegram-bot: 429s with retry_after
and 5xx on 30% of sends still deliver everything, honour retry_after, and a send that never succeeds is
dead-lettered with its reason."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import time, timedelta

import pytest

from nurture_engine.clock import SystemClock
from nurture_engine.domain import Channel, Identity
from nurture_engine.fakes.base import Fault
from nurture_engine.fakes.telegram import FakeTelegramApi
from nurture_engine.scheduler.dispatcher import Dispatcher
from nurture_engine.scheduler.jobs import Enrollment, FollowUp, FollowUpStatus, SequencePlan
from nurture_engine.scheduler.telegram_adapter import TelegramAdapter
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.testing import test_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.stop()


async def seeded(n: int) -> tuple[MemoryLeadStore, list[FollowUp]]:
    store = MemoryLeadStore()
    now = SystemClock().now()
    plan = SequencePlan()
    for i in range(n):
        lead = await store.create_lead(Identity(channel=Channel.TELEGRAM, sender_id=str(1000 + i)), now)
        e = Enrollment(id=uuid.uuid4().hex, lead_id=lead.id, sequence="welcome_drip", variant="a", entered_at=now)
        plan.enrollments.append(e)
        plan.followups.append(FollowUp(id=uuid.uuid4().hex, lead_id=lead.id, enrollment_id=e.id,
                                       sequence="welcome_drip", step="welcome", variant="a", channel=Channel.TELEGRAM,
                                       sender_id=str(1000 + i), due_at=now - timedelta(seconds=1)))
    await store.apply_sequencing(plan)
    return store, plan.followups


def dispatcher(store: MemoryLeadStore, fake: FakeTelegramApi, max_attempts: int) -> Dispatcher:
    settings = test_settings()
    delivery = dataclasses.replace(settings.plan.delivery, quiet_start=time(0), quiet_end=time(0), per_day=100,
                                   per_week=100, backoff_seconds=0.05, backoff_max_seconds=0.5,
                                   max_attempts=max_attempts)
    plan = dataclasses.replace(settings.plan, delivery=delivery)
    adapter = TelegramAdapter(fake.token, base_url=f"{fake.url}/bot")
    return Dispatcher(store=store, adapters={Channel.TELEGRAM: adapter}, plan=plan, business=settings.business,
                      clock=SystemClock(), batch_size=20)


async def run_until(d: Dispatcher, done: asyncio.Event | None, seconds: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(d.run_forever(stop, idle=0.05))
    try:
        await asyncio.wait_for((done or asyncio.Event()).wait(), seconds)
    except asyncio.TimeoutError:
        pass
    stop.set()
    await task


async def test_429_and_5xx_on_30_percent_of_sends_still_deliver_everything(fake: FakeTelegramApi) -> None:
    store, rows = await seeded(40)
    fake.fail_ratio(0.3, (Fault(status=429, retry_after=2), Fault(status=502)), seed=7)
    d = dispatcher(store, fake, max_attempts=12)
    await d.start()
    try:
        all_sent = asyncio.Event()

        async def watch() -> None:
            while len({c.params["chat_id"] for c in fake.calls_to("sendMessage")}) < len(rows):  # noqa: ASYNC110
                await asyncio.sleep(0.05)  # the fake records calls on its own: polled, not awaited
            all_sent.set()

        watcher = asyncio.create_task(watch())
        await run_until(d, all_sent, 60)
        watcher.cancel()
    finally:
        await d.stop()
    delivered = [c for c in fake.calls_to("sendMessage")]
    assert sorted(str(c.params["chat_id"]) for c in delivered) == sorted(f.sender_id for f in rows)  # once each
    failed = [c for c in fake.faults if c.method == "sendMessage"]
    attempts = failed + delivered
    too_many = [c for c in failed if c.status == 429]
    assert len(too_many) >= 3 and len(failed) - len(too_many) >= 3, "both kinds of fault must actually bite"
    for fault in too_many:  # the next attempt for that chat waited out retry_after (2 s)
        chat = str(fault.params["chat_id"])
        nxt = min(c.at for c in attempts if str(c.params["chat_id"]) == chat and c.at > fault.at)
        assert nxt - fault.at >= 2.0, (chat, nxt - fault.at)
    assert all(f.status is FollowUpStatus.SENT for f in store.followups.values())


async def test_a_send_that_never_succeeds_is_dead_lettered_with_the_reason(fake: FakeTelegramApi) -> None:
    store, _ = await seeded(3)
    fake.fail_ratio(1.0, (Fault(status=502),))
    d = dispatcher(store, fake, max_attempts=3)
    await d.start()
    try:
        await run_until(d, None, 4)
    finally:
        await d.stop()
    dead = list(store.followups.values())
    assert {f.status for f in dead} == {FollowUpStatus.DEAD}
    assert all(f.attempts == 3 for f in dead)
    assert all(f.last_error and f.last_error.startswith("telegram unavailable") and "gave up after 3 attempts"
               in f.last_error for f in dead), [f.last_error for f in dead]
    assert fake.calls_to("sendMessage") == []
