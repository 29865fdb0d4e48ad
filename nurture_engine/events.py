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
import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from .broker_read import BrokerRow, events_table, metadata, read_rows, sqlite_has_json
from .domain import Channel
from .errors import OffsetMoved
from .event_mapping import EventMapper
from .lead_engine import EventRecord
from .metrics import NO_METRICS, Metrics
from .service import NurtureService
from .store.base import Offset
from .store.engine import async_url, tune_engine

log = logging.getLogger(__name__)


def count_messages(metrics: Metrics, records: Sequence[EventRecord], scored: int) -> None:
    """Messages in (user) and out (bot) per channel, and the interactions the engine scored."""
    counts: Counter[tuple[str, Channel]] = Counter(
        ("in" if r.interaction.kind == "message" else "out", r.interaction.channel) for r in records)
    for (direction, channel), n in counts.items():
        metrics.message(direction, channel.value, n)
    metrics.score_updates(scored)


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


_metadata, _events = metadata, events_table  # the broker table (tests and benchmarks create it)


class SqlEventSource:
    """Reads Rasa's SQL event broker table in id order."""

    name = "rasa-sql-broker"

    def __init__(self, url: str) -> None:
        self._url = async_url(url)
        self._engine: AsyncEngine | None = None
        self._sqlite_json: bool | None = None  # SQLite gives the events' fields (broker_read.py)

    async def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self._url.startswith("sqlite+aiosqlite:///") and ":memory:" not in self._url:
            kwargs["poolclass"] = AsyncAdaptedQueuePool  # one aiosqlite connection (and thread) kept, not one per fetch
        self._engine = create_async_engine(self._url, future=True, **kwargs)
        tune_engine(self._engine)  # as the lead store's engines

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()

    async def fetch(self, after: int, limit: int) -> Sequence[BrokerRow]:
        assert self._engine is not None, "start() first"
        try:
            async with self._engine.connect() as conn:
                if self._sqlite_json is None:
                    self._sqlite_json = conn.dialect.name == "sqlite" and await sqlite_has_json(conn)
                return await read_rows(conn, after, limit, sqlite_json=self._sqlite_json)
        except Exception as exc:  # the table appears when Rasa publishes its first event
            if "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc)):
                return []
            raise


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


Batch = tuple[Sequence[BrokerRow], list[EventRecord]]


# Rows per batch, at most: a consumer that has caught up takes what is there (a few events), one that is behind
# (after a restart, a burst) pays the per-lead work of a batch (read, score, update, sequencing) once per
# 2,000 events instead of once per 500: bench_events.py, SQLite, 200 leads: 4.6-5.0x a plain insert of the
# same rows in batches of 500, 3.4-3.6x in batches of 2,000 (stop 18). The write of 2,000 rows holds SQLite's
# write lock for 10-25 ms (4-6 ms for 500).
SQL_BATCH = 2_000


class EventConsumer(BatchLoop):
    def __init__(self, source: EventSource, service: NurtureService, *, batch_size: int = SQL_BATCH,
                 poll_seconds: float = 0.5, metrics: Metrics = NO_METRICS) -> None:
        self._metrics = metrics
        self._source = source
        self._service = service
        self._batch_size = batch_size
        self.poll_seconds = poll_seconds
        self._mapper = EventMapper()
        self._offset: int | None = None  # this consumer is the offset's only writer
        self._ahead: tuple[int, asyncio.Future[Batch]] | None = None

    async def start(self) -> None:
        await self._source.start()

    async def stop(self) -> None:
        self._drop_ahead()
        await self._source.stop()

    def interrupt(self, task: asyncio.Task[None]) -> None:
        self._drop_ahead()
        super().interrupt(task)

    def _drop_ahead(self) -> None:
        if self._ahead is not None:
            ahead = self._ahead[1]
            ahead.cancel()
            ahead.add_done_callback(lambda f: f.cancelled() or f.exception())  # a read nobody waits for
            self._ahead = None

    async def _read(self, after: int) -> Batch:
        rows = await self._source.fetch(after, self._batch_size)
        record = self._mapper.record_fields
        return rows, [r for r in (record(fields, f"sql:{position}") for position, fields in rows if fields is not None)
                      if r is not None]

    async def _next_batch(self, after: int) -> Batch:
        """The rows after `after` and their records: the batch read (and mapped) ahead while the previous one
        was written, if it starts there."""
        if self._ahead is not None and self._ahead[0] == after:
            ahead, self._ahead = self._ahead[1], None
            batch = await ahead
            if batch[0]:  # an empty read ahead may be stale: "nothing new" is always a fresh read
                return batch
        self._drop_ahead()
        return await self._read(after)

    async def run_once(self) -> int:
        """Consumes one batch; returns how many broker rows it covered. The next batch is read and mapped
        while this one is scored and written (reads only: the offset still moves with each committed batch)."""
        while (covered := await self._one_batch()) is None:
            pass  # the offset moved under this consumer: the batch from where it is now
        return covered

    async def _one_batch(self) -> int | None:
        """The rows covered; None when the batch was refused because the stored offset had moved."""
        if self._offset is None:
            self._offset = await self._service.event_offset(self._source.name)
        rows, records = await self._next_batch(self._offset)
        if not rows:
            return 0
        last = rows[-1].position
        self._ahead = (last, asyncio.ensure_future(self._read(last)))
        # the offset commits with the batch, compare-and-set from where the batch started, so no batch counts
        # twice: no dedup keys needed
        offset = Offset(self._source.name, last, after=self._offset)
        try:
            scored = await self._service.ingest(records, offset=offset, dedupe=False)
        except BaseException as exc:
            self._offset = None  # read it back from the store: the batch may or may not have committed
            self._drop_ahead()
            if not isinstance(exc, OffsetMoved):
                raise
            # a batch of a consumer cancelled mid-commit landed after this one read the offset: carry on from it
            log.warning("%s moved past %s under this consumer; batch rolled back, reading on from the stored offset",
                        self._source.name, offset.after)
            return None
        self._offset = last
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
