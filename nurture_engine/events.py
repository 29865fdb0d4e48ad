"""Behaviour tracking from Rasa's event broker.

Rasa publishes every tracker event to the broker (SQL table `events` by default, RabbitMQ at
scale). The consumer turns user and bot messages into interactions and hands them to the
engine in batches. Each batch, its dedup keys and the consumer's offset are committed in one
transaction of the lead store, so a restart continues where it stopped: nothing lost, nothing
counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from .domain import Channel, Identity, Interaction
from .lead_engine import EventRecord
from .metrics import NO_METRICS, Metrics
from .service import NurtureService, channel_of
from .store.engine import async_url

log = logging.getLogger(__name__)
SCORED_EVENTS = ("user", "bot")


def event_key(event: Mapping[str, Any]) -> str:
    """A content key: the same event delivered twice (any broker) has the same key."""
    return hashlib.sha1(json.dumps(event, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


def count_messages(metrics: Metrics, records: Sequence[EventRecord], scored: int) -> None:
    """Messages in (user) and out (bot) per channel, and the interactions the engine scored."""
    for record in records:
        kind = record.interaction.kind
        metrics.message("in" if kind == "message" else "out", record.interaction.channel.value)
    metrics.score_updates(scored)


def to_record(event: Mapping[str, Any], channels: dict[str, Channel], key: str | None = None) -> EventRecord | None:
    """An interaction for a user or bot event; None for the rest (slots, actions, ...). Without a
    `key` from the transport, the event's content key is used."""
    kind = event.get("event")
    sender = event.get("sender_id")
    if kind not in SCORED_EVENTS or not isinstance(sender, str) or not sender:
        return None
    at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
    if kind == "user":
        channel = channel_of(event.get("input_channel"))
        channels[sender] = channel
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        text = event.get("text") or ""
        entities = {str(e["entity"]) for e in parse.get("entities") or [] if isinstance(e, dict) and e.get("entity")}
        data = {"length": len(text), "entities": sorted(entities)}
        interaction = Interaction(kind="message", intent=intent, channel=channel, sender_id=sender, at=at,
                                  data=data)
    else:
        known = sender in channels
        channel = channels.get(sender, Channel.REST)
        interaction = Interaction(kind="bot_message", channel=channel, sender_id=sender, at=at,
                                  data={"length": len(event.get("text") or "")})
        return EventRecord(key=key or event_key(event), identity=Identity(channel=channel, sender_id=sender),
                           interaction=interaction, channel_known=known)
    return EventRecord(key=key or event_key(event), identity=Identity(channel=channel, sender_id=sender),
                       interaction=interaction)


@dataclass(frozen=True, kw_only=True)
class BrokerRow:
    position: int
    event: dict[str, Any]


class Consumer(Protocol):
    """A behaviour consumer run by `nurture serve` (SQL broker table or RabbitMQ queue)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def run_forever(self) -> None: ...

    def interrupt(self, task: asyncio.Task[None]) -> None: ...


class EventSource(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def fetch(self, after: int, limit: int) -> Sequence[BrokerRow]: ...


_metadata = MetaData()
_events = Table("events", _metadata, Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
                Column("data", Text))


class SqlEventSource:
    """Reads Rasa's SQL event broker table in id order."""

    name = "rasa-sql-broker"

    def __init__(self, url: str) -> None:
        self._url = async_url(url)
        self._engine: AsyncEngine | None = None

    async def start(self) -> None:
        self._engine = create_async_engine(self._url, future=True)

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()

    async def fetch(self, after: int, limit: int) -> Sequence[BrokerRow]:
        assert self._engine is not None, "start() first"
        query = select(_events.c.id, _events.c.data).where(_events.c.id > after).order_by(_events.c.id).limit(limit)
        try:
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
        except DBAPIError as exc:  # the table appears when Rasa publishes its first event
            if "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc)):
                return []
            raise
        out = []
        for row in rows:
            try:
                out.append(BrokerRow(position=int(row.id), event=json.loads(row.data)))
            except (TypeError, ValueError):
                log.warning("event %s in the broker table is not JSON; skipped", row.id)
                out.append(BrokerRow(position=int(row.id), event={}))
        return out


class BatchLoop(ABC):
    """The run loop shared by the consumers: batches until empty, then poll; a failed batch is
    retried after a pause; `interrupt` stops it even in the middle of a batch (as a crash would)."""

    stopping = False
    poll_seconds = 0.5

    @abstractmethod
    async def run_once(self) -> int:
        """Consumes one batch; returns how many broker messages it covered."""

    async def drain(self) -> int:
        done = 0
        while (n := await self.run_once()) > 0:
            done += n
        return done

    def interrupt(self, task: asyncio.Task[None]) -> None:
        self.stopping = True
        task.cancel()

    async def run_forever(self) -> None:
        self.stopping = False
        while not self.stopping:
            try:
                if await self.run_once() == 0:
                    await asyncio.sleep(self.poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                if self.stopping:  # the client library may turn a cancellation into its own error
                    return
                log.exception("%s failed on a batch; retrying", type(self).__name__)
                await asyncio.sleep(max(self.poll_seconds, 2.0))


class EventConsumer(BatchLoop):
    def __init__(self, source: EventSource, service: NurtureService, *, batch_size: int = 500,
                 poll_seconds: float = 0.5, metrics: Metrics = NO_METRICS) -> None:
        self._metrics = metrics
        self._source = source
        self._service = service
        self._batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._channels: dict[str, Channel] = {}
        self._offset: int | None = None  # this consumer is the offset's only writer

    async def start(self) -> None:
        await self._source.start()

    async def stop(self) -> None:
        await self._source.stop()

    async def run_once(self) -> int:
        """Consumes one batch; returns how many broker rows it covered."""
        if self._offset is None:
            self._offset = await self._service.event_offset(self._source.name)
        rows = await self._source.fetch(self._offset, self._batch_size)
        if not rows:
            return 0
        records = [r for r in (to_record(row.event, self._channels, key=f"sql:{row.position}") for row in rows)
                   if r is not None]
        # the offset commits with the batch, so redelivery cannot happen: no dedup keys needed
        try:
            scored = await self._service.ingest(records, offset=(self._source.name, rows[-1].position),
                                                dedupe=False)
        except BaseException:
            self._offset = None  # read it back from the store: the batch may or may not have committed
            raise
        self._offset = rows[-1].position
        count_messages(self._metrics, records, scored)
        return len(rows)



@contextlib.asynccontextmanager
async def running(consumer: Consumer) -> Any:
    task = asyncio.create_task(consumer.run_forever())
    try:
        yield task
    finally:
        consumer.interrupt(task)
        with contextlib.suppress(asyncio.CancelledError):
            await task
