"""Reading Rasa's SQL broker table (`events`: id, sender_id, data as JSON text) in id order.

PostgreSQL and other databases give each row's JSON, decoded here. SQLite (3.38 and later, or any build with its
JSON functions) gives the fields scoring reads (`EventFields`) in the same statement: the JSON is parsed in
SQLite's C code on aiosqlite's thread instead of on the event loop's (bench_events.py, stop 21: the consumer's
loop CPU per event fell by about a third). tests/engine/test_event_source.py checks that both ways give the same
fields for ordinary and malformed rows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, cast

import ujson
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .event_mapping import EventFields, fields_of
from .store.engine import driver_connection

log = logging.getLogger(__name__)

metadata = MetaData()
events_table = Table("events", metadata, Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
                     Column("data", Text))


class BrokerRow(NamedTuple):
    position: int
    fields: EventFields | None  # None: the row is not one JSON object (skipped, with a warning)


def row_of(position: int, event: Any) -> BrokerRow:
    """The row of a decoded event."""
    return BrokerRow(position, fields_of(event) if isinstance(event, dict) else None)


_READ = "SELECT id, data FROM events WHERE id > {} ORDER BY id LIMIT {}"


def _json_text(path: str) -> str:
    """The value at `path` if it is a JSON string, else NULL."""
    return f"CASE WHEN json_type(j, '{path}') = 'text' THEN json_extract(j, '{path}') END"


# One row per broker row: id, what it is (1: a JSON object, 0: not one, 2: an object holding a NUL character,
# which SQLite's text functions end strings at: decoded in Python from the column after the fields), then the
# EventFields in order (the intent's confidence last). `j` is NULL for a row that is not JSON (json_extract would
# fail the whole statement); a timestamp that is an object or an array is given as text (not a number: the event
# is skipped), as fields_of does.
SQLITE_FIELDS = (
    "WITH b AS (SELECT id, CASE WHEN json_valid(data) THEN data END AS j "  # noqa: S608 (constants, no values)
    "FROM events WHERE id > ? ORDER BY id LIMIT ?) "
    "SELECT id, CASE WHEN json_type(j) <> 'object' OR j IS NULL THEN 0 WHEN instr(j, '\\u0000') THEN 2 ELSE 1 END, "
    f"{_json_text('$.event')}, {_json_text('$.sender_id')}, "
    "CASE WHEN json_type(j, '$.timestamp') IN ('object', 'array') THEN 'object' "
    "ELSE json_extract(j, '$.timestamp') END, "
    f"{_json_text('$.text')}, {_json_text('$.input_channel')}, {_json_text('$.parse_data.intent.name')}, "
    "CASE WHEN json_type(j, '$.parse_data.entities') = 'array' THEN json_extract(j, '$.parse_data.entities') END, "
    "CASE WHEN instr(j, '\\u0000') THEN j END, "
    "CASE WHEN json_type(j, '$.parse_data.intent.confidence') IN ('integer', 'real') "
    "THEN json_extract(j, '$.parse_data.intent.confidence') END "
    "FROM b ORDER BY id")


def _not_an_object(position: Any) -> None:
    log.warning("event %s in the broker table is not a JSON object; skipped", position)


def decode(position: Any, data: Any) -> Any:
    """A broker row's JSON (None for a row that is not JSON: the caller warns). ujson reads Rasa's rows faster
    than json; a row it refuses is given to json before it counts as malformed."""
    try:
        return ujson.loads(data)
    except (TypeError, ValueError):
        try:
            return json.loads(data)
        except (TypeError, ValueError):
            return None


def _decoded_rows(rows: Iterable[tuple[Any, Any]]) -> list[BrokerRow]:
    out = []
    for position, data in rows:
        row = row_of(int(position), decode(position, data))
        if row.fields is None:
            _not_an_object(position)
        out.append(row)
    return out


def _field_rows(rows: Iterable[Sequence[Any]]) -> list[BrokerRow]:
    out: list[BrokerRow] = []
    append = out.append
    for r in rows:
        if r[1] == 1:
            append(BrokerRow(r[0], EventFields(r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[10])))
        elif r[1] == 2:
            append(row_of(r[0], decode(r[0], r[9])))
        else:
            _not_an_object(r[0])
            append(BrokerRow(r[0], None))
    return out


async def sqlite_has_json(conn: AsyncConnection) -> bool:
    """Whether this SQLite has its JSON functions (built in since 3.38; an option before)."""
    driver = await driver_connection(conn)
    try:
        await driver.execute_fetchall("SELECT json_valid('{}')", ())
    except Exception:  # sqlite3.OperationalError: no such function
        return False
    return True


async def read_rows(conn: AsyncConnection, after: int, limit: int, *, sqlite_json: bool = False) -> list[BrokerRow]:
    """The rows after `after`: one plain statement on the driver connection for PostgreSQL and SQLite (no
    transaction around a read), SQLAlchemy for other databases."""
    dialect = conn.dialect
    if dialect.name == "postgresql" and dialect.driver == "asyncpg":
        driver = await driver_connection(conn)
        return _decoded_rows(tuple(r) for r in await driver.fetch(_READ.format("$1", "$2"), after, limit))
    if dialect.name == "sqlite" and dialect.driver == "aiosqlite":
        driver = await driver_connection(conn)
        if sqlite_json:
            return _field_rows(cast(Iterable[Sequence[Any]], await driver.execute_fetchall(SQLITE_FIELDS,
                                                                                          (after, limit))))
        return _decoded_rows(cast(Iterable[tuple[Any, Any]],
                                  await driver.execute_fetchall(_READ.format("?", "?"), (after, limit))))
    query = select(events_table.c.id, events_table.c.data).where(events_table.c.id > after
                                                                 ).order_by(events_table.c.id).limit(limit)
    return _decoded_rows((r.id, r.data) for r in (await conn.execute(query)).all())
