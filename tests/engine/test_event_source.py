"""Rasa's SQL broker table read on the driver connection (SQLite and PostgreSQL): no table yet, rows that are
not JSON objects, and the consumer's read-ahead of the next batch."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import create_engine, insert

from nurture_engine.errors import OffsetMoved
from nurture_engine.event_mapping import EventFields
from nurture_engine.events import EventConsumer, SqlEventSource, _events, _metadata
from nurture_engine.lead_engine import EventRecord
from nurture_engine.service import NurtureService
from nurture_engine.store.base import Offset


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def broker_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        make: Callable[[str], str] = request.getfixturevalue("pg_database_factory")
        return make("broker")
    return f"sqlite:///{tmp_path}/events.db"


async def test_rows_are_read_in_order_and_bad_ones_become_empty_events(broker_url: str) -> None:
    source = SqlEventSource(broker_url)
    await source.start()
    try:
        assert await source.fetch(0, 10) == []  # Rasa has not published anything yet: no table
        engine = create_engine(broker_url, future=True)
        _metadata.create_all(engine)
        user = {"event": "user", "sender_id": "a", "timestamp": 1.5, "text": "hé"}
        datas = [json.dumps(user), "not json", "[1, 2]", "  " + json.dumps({"event": "bot"}) + "\n", "null",
                 json.dumps({"event": "bot", "sender_id": "a"}) + " trailing"]
        with engine.begin() as conn:
            conn.execute(insert(_events), [{"sender_id": "a", "data": d} for d in datas])
        engine.dispose()
        rows = await source.fetch(0, 4)
        assert [r.position for r in rows] == [1, 2, 3, 4]
        assert [r.fields for r in rows] == [EventFields("user", "a", 1.5, "hé", None, None, None), None, None,
                                            EventFields("bot", None, None, None, None, None, None)]
        assert [(r.position, r.fields) for r in await source.fetch(4, 10)] == [(5, None), (6, None)]
        assert await source.fetch(6, 10) == []
    finally:
        await source.stop()


class FlakyService:
    """Commits batches like the store does (records and offset together); the batches listed in `fail` raise."""

    def __init__(self, fail: set[int], late: dict[int, int] | None = None) -> None:
        self.fail = fail
        self.late = late or {}  # call -> position: before that call, a cancelled consumer's batch up to there lands
        self.calls = 0
        self.offset = 0
        self.keys: list[str] = []

    async def event_offset(self, name: str) -> int:
        return self.offset

    async def ingest(self, records: list[EventRecord], offset: Offset | None = None, *,
                     dedupe: bool = True) -> int:
        self.calls += 1
        if self.calls in self.fail:
            raise RuntimeError("the database went away")
        if self.calls in self.late:
            landed = self.late[self.calls]
            self.keys += [f"sql:{n}" for n in range(self.offset + 1, landed + 1)]
            self.offset = landed
        assert offset is not None
        if offset.after != self.offset:  # the store's compare-and-set
            raise OffsetMoved(offset.name, offset.after or 0)
        self.keys += [r.key for r in records]
        self.offset = offset.position
        return len(records)


def twenty_five_user_events(tmp_path: Path) -> str:
    """A broker table holding 25 user messages (rows 1-25); its URL."""
    url = f"sqlite:///{tmp_path}/events.db"
    engine = create_engine(url, future=True)
    _metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(_events), [{"sender_id": "a", "data": json.dumps(
            {"event": "user", "sender_id": "a", "timestamp": n, "text": "hi"})} for n in range(25)])
    engine.dispose()
    return url


async def test_a_failed_batch_drops_the_batch_read_ahead_and_loses_or_doubles_nothing(tmp_path: Path) -> None:
    url = twenty_five_user_events(tmp_path)
    service = FlakyService(fail={2, 3, 5})
    consumer = EventConsumer(SqlEventSource(url), cast(NurtureService, service), batch_size=4)
    await consumer.start()
    try:
        done = 0
        while True:
            try:
                n = await consumer.run_once()
            except RuntimeError:
                continue
            if n == 0:
                break
            done += n
    finally:
        await consumer.stop()
    assert service.keys == [f"sql:{n}" for n in range(1, 26)] and service.offset == 25 and done == 25


async def test_a_batch_that_lands_late_is_not_counted_again(tmp_path: Path) -> None:
    """A cancelled consumer's commit reaching the database after its successor read the offset: the successor's
    batch from the old offset is refused (OffsetMoved) and it carries on from where the late batch ended."""
    url = twenty_five_user_events(tmp_path)
    service = FlakyService(fail=set(), late={2: 7, 5: 20})
    consumer = EventConsumer(SqlEventSource(url), cast(NurtureService, service), batch_size=4)
    await consumer.start()
    try:
        await consumer.drain()
    finally:
        await consumer.stop()
    assert service.keys == [f"sql:{n}" for n in range(1, 26)] and service.offset == 25
    assert service.calls == 7  # 1-4, (5-8 refused), 8-11, 12-15, (16-19 refused), 21-24, 25
