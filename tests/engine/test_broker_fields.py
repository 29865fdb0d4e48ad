"""SQLite reads a broker event's fields in SQL (broker_read.SQLITE_FIELDS), other databases decode the JSON and
read them in Python (event_mapping.fields_of): both ways give the same records, for Rasa's events and for
malformed and hostile ones, and a malformed event never stops the consumer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.ext.asyncio import create_async_engine

from nurture_engine.broker_read import BrokerRow, events_table, metadata, read_rows, sqlite_has_json
from nurture_engine.domain import Channel, Identity
from nurture_engine.event_mapping import EventMapper
from nurture_engine.events import EventConsumer, SqlEventSource
from nurture_engine.lead_engine import EventRecord
from nurture_engine.testing import memory_service

TS = 1_790_000_000.25


def user(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": "user", "sender_id": "s1", "timestamp": TS, "text": "I'm the CTO at Globex",
        "input_channel": "socketio",
        "parse_data": {"intent": {"name": "inform", "confidence": 0.93},
                       "entities": [{"entity": "role", "value": "CTO"}, {"entity": "company", "value": "Globex"},
                                    {"entity": "role", "value": "cto"}]}}
    event.update(overrides)
    return event


EVENTS: list[Any] = [
    user(),
    {"event": "bot", "sender_id": "s1", "timestamp": TS + 1, "text": "Thanks!", "data": {"buttons": []}},
    {"event": "slot", "sender_id": "s1", "timestamp": TS + 2, "name": "email", "value": "a@b.co"},
    {"event": "action", "sender_id": "s1", "timestamp": TS + 2, "name": "action_listen"},
    user(sender_id="s2", text="hé 😀 \u0000 after a NUL", input_channel="telegram"),
    user(sender_id="s3", text="x" * 200_000, input_channel="slack"),
    user(timestamp="1790000100.5"), user(timestamp="yesterday"), user(timestamp={"at": 1}), user(timestamp=[1]),
    user(timestamp=True), user(timestamp=None), {k: v for k, v in user().items() if k != "timestamp"},
    user(timestamp=1e300), user(timestamp=-5),
    user(sender_id=42), user(sender_id=""), user(sender_id=None), user(sender_id={"id": "s1"}),
    user(event=7), user(event=["user"]),
    user(text=12), user(text=None), user(text={"t": "x"}), {k: v for k, v in user().items() if k != "text"},
    user(input_channel=5), user(input_channel={"name": "slack"}), user(input_channel="SLACK"), user(input_channel=None),
    user(parse_data=[1, 2]), user(parse_data="inform"), user(parse_data=None),
    user(parse_data={"intent": "greet", "entities": []}), user(parse_data={"intent": {"name": 3}}),
    user(parse_data={"intent": {"name": {"n": "x"}}, "entities": {"entity": "role"}}),
    user(parse_data={"intent": {"name": "inform"}, "entities": "role"}),
    user(parse_data={"intent": {"name": "inform"}, "entities": [1, "role", None, {"value": "x"}, {"entity": 5},
                                                                 {"entity": ""}, {"entity": "email"}]}),
    {"event": "bot", "sender_id": "unknown-channel", "timestamp": TS, "text": "hi"},
    {"event": "bot", "sender_id": "s2", "timestamp": TS, "text": None},
    {"event": "user", "sender_id": "ключ", "timestamp": TS, "text": "привет", "input_channel": "rest",
     "parse_data": {"intent": {"name": "greet"}, "entities": []}},
    user(text="could you tell me more", parse_data={"intent": {"name": "opt_out", "confidence": 0.38}}),
    user(text="STOP", parse_data={"intent": {"name": "opt_out", "confidence": 0.38}}),
    user(text="more", parse_data={"intent": {"name": "opt_out", "confidence": 1}}),
    user(text="more", parse_data={"intent": {"name": "opt_out", "confidence": True}}),
    user(text="more", parse_data={"intent": {"name": "opt_out", "confidence": "0.2"}}),
    user(text="more", parse_data={"intent": {"name": "opt_out"}}),
]
RAW_ROWS = ["not json", "[1, 2]", "null", "42", '"user"', "  " + json.dumps(user(sender_id="s9")) + "\n",
            json.dumps(user()) + " trailing", "{", ""]


@pytest.fixture
async def broker(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path}/events.db"
    sync = create_engine(url, future=True)
    metadata.create_all(sync)
    datas = [json.dumps(e) for e in EVENTS] + RAW_ROWS
    with sync.begin() as conn:
        conn.execute(insert(events_table), [{"sender_id": "x", "data": d} for d in datas])
    sync.dispose()
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/events.db")
    yield engine
    await engine.dispose()


def records(rows: list[BrokerRow]) -> list[tuple[int, EventRecord | None]]:
    mapper = EventMapper()
    return [(p, None if f is None else mapper.record_fields(f, f"sql:{p}")) for p, f in rows]


async def test_sql_and_python_read_the_same_records_from_every_row(broker: Any) -> None:
    async with broker.connect() as conn:
        assert await sqlite_has_json(conn)
        in_sql = await read_rows(conn, 0, 1_000, sqlite_json=True)
        in_python = await read_rows(conn, 0, 1_000, sqlite_json=False)
    assert len(in_sql) == len(EVENTS) + len(RAW_ROWS)
    assert [r.position for r in in_sql] == [r.position for r in in_python]
    assert records(in_sql) == records(in_python)
    # the row that is JSON with whitespace around it is read; the others that are not one object are not
    assert [r.fields is None for r in in_sql[len(EVENTS):]] == [True] * 5 + [False] + [True] * 3
    # and the consumer's rule (mapper.record on the decoded event) agrees with both
    mapper = EventMapper()
    direct = [mapper.record(e, f"sql:{n}") if isinstance(e, dict) else None for n, e in enumerate(EVENTS, 1)]
    assert [r for _, r in records(in_python)[:len(EVENTS)]] == direct


async def test_what_the_records_hold(broker: Any, caplog: pytest.LogCaptureFixture) -> None:
    async with broker.connect() as conn:
        got = dict(records(await read_rows(conn, 0, 1_000, sqlite_json=True)))
    first, bot, emoji, huge = got[1], got[2], got[5], got[6]
    assert first is not None and first.interaction.intent == "inform" and first.identity.channel is Channel.WEB
    assert first.interaction.data == {"length": 21, "entities": ["company", "role"]}
    assert first.interaction.at.timestamp() == TS
    assert bot is not None and bot.interaction.kind == "bot_message" and bot.channel_known
    assert got[3] is None and got[4] is None  # slots and actions are not scored
    assert emoji is not None and emoji.interaction.data["length"] == len("hé 😀 \u0000 after a NUL")
    assert huge is not None and huge.interaction.data["length"] == 200_000
    assert got[7] is not None and got[7].interaction.at.timestamp() == 1790000100.5
    assert got[8] is None and got[9] is None and got[10] is None  # not a number of seconds: skipped, logged
    assert "not a number of seconds" in caplog.text
    assert got[16] is None and got[17] is None and got[18] is None and got[19] is None  # no sender
    entities = got[37]  # a list of odd entities: only the named ones count
    assert entities is not None and entities.interaction.data["entities"] == ["5", "email"]
    # an opt_out reading the assistant asks about before acting (actions/consent.py) earns no opt_out points
    assert [(r.interaction.intent if r else None) for r in (got[n] for n in range(41, 47))] == [
        "opt_out_unsure", "opt_out", "opt_out", "opt_out", "opt_out", "opt_out"]


async def test_without_sqlite_json_functions_the_rows_are_decoded(broker: Any, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    """An SQLite built without its JSON functions: the source finds out once and decodes in Python."""
    from nurture_engine import events

    async def no_json(conn: Any) -> bool:
        return False

    monkeypatch.setattr(events, "sqlite_has_json", no_json)
    source = events.SqlEventSource(str(broker.url).replace("+aiosqlite", ""))
    await source.start()
    try:
        rows = await source.fetch(0, 1_000)
    finally:
        await source.stop()
    assert source._sqlite_json is False
    async with broker.connect() as conn:
        assert records(rows) == records(await read_rows(conn, 0, 1_000, sqlite_json=True))


async def test_malformed_events_do_not_stop_the_consumer(broker: Any) -> None:
    """Before stop 21 an event whose parse_data was a list, or whose timestamp was not a number, raised in the
    mapping: the batch failed and was retried for ever, and no later event was scored."""
    service, _, _ = memory_service()
    consumer = EventConsumer(SqlEventSource(str(broker.url).replace("+aiosqlite", "")), service, batch_size=7)
    await service.start()
    await consumer.start()
    try:
        assert await consumer.drain() == len(EVENTS) + len(RAW_ROWS)
    finally:
        await consumer.stop()
        await service.stop()
    lead = await service.lookup_identity(Identity(channel=Channel.REST, sender_id="ключ"))
    assert lead is not None and [i.intent for i in await service.interactions(lead.id)] == ["greet"]
