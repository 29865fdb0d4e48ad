"""The behaviour consumer over Rasa's real SQL event broker: resumable, idempotent, nothing lost."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from rasa.core.brokers.sql import SQLEventBroker

from nurture_engine.clock import SystemClock
from nurture_engine.domain import Channel
from nurture_engine.event_mapping import EventMapper, event_key
from nurture_engine.events import EventConsumer, SqlEventSource
from nurture_engine.service import NurtureService
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import test_settings


def user_event(sender: str, n: int, intent: str = "ask_pricing", channel: str = "socketio") -> dict[str, Any]:
    return {"event": "user", "sender_id": sender, "timestamp": 1_790_000_000 + n, "text": f"message {n}",
            "input_channel": channel, "parse_data": {"intent": {"name": intent, "confidence": 0.9},
                                                     "entities": [{"entity": "company", "value": "x"}]}}


def test_user_and_bot_events_become_interactions() -> None:
    mapper = EventMapper()
    record = mapper.record(user_event("s1", 1))
    assert record is not None
    assert record.identity.channel is Channel.WEB and record.interaction.intent == "ask_pricing"
    assert record.interaction.data == {"length": 9, "entities": ["company"]}
    bot = mapper.record({"event": "bot", "sender_id": "s1", "timestamp": 1_790_000_002, "text": "hello"})
    assert bot is not None and bot.interaction.kind == "bot_message" and bot.identity.channel is Channel.WEB
    assert mapper.record({"event": "slot", "sender_id": "s1", "name": "x"}) is None
    assert mapper.record({"event": "user", "timestamp": 1}) is None
    assert event_key(user_event("s1", 1)) == event_key(user_event("s1", 1)) != event_key(user_event("s1", 2))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def setup(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[NurtureService, str, str]]:
    if request.param == "sqlite":
        leads_url, events_url = f"sqlite:///{tmp_path / 'leads.db'}", f"sqlite:///{tmp_path / 'events.db'}"
    else:
        make: Callable[[str], str] = request.getfixturevalue("pg_database_factory")
        leads_url, events_url = make("nurture_leads"), make("nurture_events")
    upgrade(leads_url)
    service = NurtureService(store=SqlLeadStore(leads_url), clock=SystemClock(), settings=test_settings())
    await service.start()
    yield service, leads_url, events_url
    await service.stop()


async def count_interactions(service: NurtureService) -> dict[str, int]:
    page = await service.list_leads(stage=None, q=None, limit=200, cursor=None)
    return {lead.identities[0].sender_id: len(await service.interactions(lead.id)) for lead in page.leads}


async def test_restarts_while_events_stream_in_lose_and_double_nothing(
        setup: tuple[NurtureService, str, str]) -> None:
    service, _, events_url = setup
    broker = SQLEventBroker(host=events_url)  # Rasa's own broker writes the rows
    senders = [f"visitor-{n}" for n in range(8)]
    published: dict[str, int] = dict.fromkeys(senders, 0)

    def publish() -> None:
        for n in range(400):
            sender = senders[n % len(senders)]
            broker.publish(user_event(sender, n))
            broker.publish({"event": "bot", "sender_id": sender, "timestamp": 1_790_000_000 + n, "text": "ok"})
            broker.publish({"event": "action", "sender_id": sender, "timestamp": 1_790_000_000 + n, "name": "x"})
            published[sender] += 2
            if n % 50 == 0:
                time.sleep(0.05)

    writer = threading.Thread(target=publish)
    writer.start()
    rng = random.Random(7)
    restarts = 0
    while writer.is_alive() or restarts < 3:
        consumer = EventConsumer(SqlEventSource(events_url), service, batch_size=rng.choice([7, 50, 200]),
                                 poll_seconds=0.01)
        await consumer.start()
        task = asyncio.create_task(consumer.run_forever())
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        consumer.interrupt(task)  # a restart in the middle of whatever it was doing
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
        restarts += 1
    writer.join()
    final = EventConsumer(SqlEventSource(events_url), service)
    await final.start()
    await final.drain()
    await final.stop()
    assert restarts >= 3
    assert await count_interactions(service) == published


async def test_the_same_events_delivered_twice_count_once(setup: tuple[NurtureService, str, str]) -> None:
    service, _, _ = setup
    mapper = EventMapper()
    records = [r for r in (mapper.record(user_event("twice", n)) for n in range(5)) if r]
    assert await service.ingest(records) == 5
    assert await service.ingest(records + records) == 0
    lead = await service.lookup_identity(records[0].identity)
    assert lead is not None
    assert len(await service.interactions(lead.id)) == 5
    view = await service.view(lead.id)
    pricing = [i for i in view.items if i.signal == "ask_pricing"]
    assert len(pricing) == 1  # max once a day
