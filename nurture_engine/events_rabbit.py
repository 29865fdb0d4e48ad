"""Behaviour tracking from Rasa's RabbitMQ (pika) event broker, for the scale-out mode.

Messages are taken in batches and acknowledged only after the batch is committed to the lead
store. A crash before the ack makes RabbitMQ redeliver them; the content keys of the events make
the second delivery a no-op, so nothing is lost or counted twice.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from .event_mapping import EventMapper
from .events import BatchLoop, count_messages
from .metrics import NO_METRICS, Metrics
from .service import NurtureService

log = logging.getLogger(__name__)


class RabbitEventConsumer(BatchLoop):
    def __init__(self, url: str, queue: str, service: NurtureService, *, batch_size: int = 500,
                 poll_seconds: float = 0.2, metrics: Metrics = NO_METRICS) -> None:
        self._metrics = metrics
        self._url = url
        self._queue_name = queue
        self._service = service
        self._batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._mapper = EventMapper()
        self._connection: Any = None
        self._queue: Any = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self._batch_size)
        self._queue = await channel.declare_queue(self._queue_name, durable=True)  # as Rasa declares it

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def run_once(self) -> int:
        messages: list[AbstractIncomingMessage] = []
        while len(messages) < self._batch_size:
            message = await self._queue.get(no_ack=False, fail=False)
            if message is None:
                break
            messages.append(message)
        if not messages:
            return 0
        records = []
        for message in messages:
            try:
                event = json.loads(message.body)
            except ValueError:
                log.warning("a broker message is not JSON; dropped")
                continue
            record = self._mapper.record(event) if isinstance(event, dict) else None
            if record is not None:
                records.append(record)
        try:
            scored = await self._service.ingest(records)
        except Exception:
            for message in messages:
                await message.nack(requeue=True)
            raise
        for message in messages:
            await message.ack()
        count_messages(self._metrics, records, scored)
        return len(messages)
