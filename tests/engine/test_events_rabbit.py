"""The RabbitMQ path: Rasa's own PikaEventBroker publishes, our consumer restarts mid-stream."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aio_pika
import pytest
import rasa.shared.core.events  # noqa: F401 - PikaEventBroker uses it without importing it
from rasa.core.brokers.pika import PikaEventBroker

from nurture_engine.clock import SystemClock
from nurture_engine.events_rabbit import RabbitEventConsumer
from nurture_engine.service import NurtureService
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import test_settings

from .test_events import count_interactions, user_event

RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/"
pytestmark = pytest.mark.rabbitmq


@pytest.fixture
async def queue() -> AsyncIterator[str]:
    name = f"nurture_test_{uuid.uuid4().hex[:10]}"
    yield name
    connection = await aio_pika.connect(RABBIT_URL)
    channel = await connection.channel()
    await channel.queue_delete(name)
    await connection.close()


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[NurtureService]:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    svc = NurtureService(store=SqlLeadStore(url), clock=SystemClock(), settings=test_settings())
    await svc.start()
    yield svc
    await svc.stop()


async def test_restarts_and_redeliveries_lose_and_double_nothing(queue: str, service: NurtureService) -> None:
    broker = PikaEventBroker("127.0.0.1", "guest", "guest", queues=[queue], exchange_name=f"{queue}_exchange",
                             event_loop=asyncio.get_running_loop())
    await broker.connect()
    senders = [f"rabbit-{n}" for n in range(5)]
    published = dict.fromkeys(senders, 0)
    for n in range(300):
        sender = senders[n % len(senders)]
        broker.publish(user_event(sender, n, channel="telegram"))
        broker.publish({"event": "bot", "sender_id": sender, "timestamp": 1_790_000_000 + n, "text": "ok"})
        published[sender] += 2
        if n % 60 == 0:
            await asyncio.sleep(0.05)
    rng = random.Random(3)
    for _ in range(4):  # restarts in the middle of consuming: unacked messages come back
        consumer = RabbitEventConsumer(RABBIT_URL, queue, service, batch_size=rng.choice([10, 40, 120]),
                                       poll_seconds=0.01)
        await consumer.start()
        task = asyncio.create_task(consumer.run_forever())
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        consumer.interrupt(task)
        await asyncio.gather(task, return_exceptions=True)
        await consumer.stop()
    await asyncio.sleep(0.5)  # let the broker finish publishing
    final = RabbitEventConsumer(RABBIT_URL, queue, service)
    await final.start()
    await final.drain()
    await final.stop()
    await broker.close()
    assert await count_interactions(service) == published
