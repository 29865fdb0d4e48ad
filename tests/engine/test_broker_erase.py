"""Erasing (or pruning) the newest event-broker rows must not let SQLite hand their ids to new events:
the behaviour consumer reads ids above its offset and would skip the new events for good."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select

from nurture_engine.events import _events, _metadata
from nurture_engine.rasa_stores import RasaBrokerEvents


def publish(url: str, sender: str) -> int:
    engine = create_engine(url, future=True)
    _metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(_events), [{"sender_id": sender, "data": json.dumps({"event": "user", "sender_id": sender,
                                                                                 "text": "hi", "timestamp": 1.0})}])
        newest = conn.execute(select(func.max(_events.c.id))).scalar_one()
    engine.dispose()
    return int(newest)


async def test_erasing_the_newest_rows_keeps_ids_growing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    publish(url, "someone-else")
    consumed_up_to = publish(url, "erase-me")  # the consumer has read everything so far
    broker = RasaBrokerEvents(url)
    await broker.start()
    try:
        assert await broker.erase(["erase-me"]) == 1
        assert await broker.events_for(["erase-me"]) == []  # nothing of that person is left
    finally:
        await broker.stop()
    assert publish(url, "a-new-visitor") > consumed_up_to  # so the consumer still sees the new event
