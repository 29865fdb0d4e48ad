"""Direct SQL access to Rasa's own tables: the SQL tracker store and the SQL event broker.

Both are a table named `events` (in their own databases): the tracker store's has id, sender_id,
type_name, timestamp, intent_name, action_name and data (rasa/core/tracker_store.py, SQLTrackerStore);
the broker's has id, sender_id and data (rasa/core/brokers/sql.py, SQLEventBroker). Rasa creates them
lazily, so a missing table (or a missing SQLite file) holds nothing; nothing is created here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from .store.engine import SqlEngineHolder
from .store.sqlite_wal import checkpoint

log = logging.getLogger(__name__)
_CHUNK = 500

_tracker_md, _broker_md = MetaData(), MetaData()
tracker_events = Table(
    "events", _tracker_md,
    Column("id", Integer, primary_key=True), Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False), Column("timestamp", Float),
    Column("intent_name", String(255)), Column("action_name", String(255)), Column("data", Text),
)
broker_events = Table(
    "events", _broker_md,
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)), Column("data", Text),
)


def _missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig)
    return "events" in text and ("no such table" in text or "does not exist" in text)


async def secure_delete(conn: AsyncConnection) -> None:
    """SQLite overwrites what it deletes on this connection, so an erased row is not left in the file."""
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql("PRAGMA secure_delete = ON")


def _decode(data: str | None) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return {"unparsed": data}


def _iso(timestamp: Any) -> str | None:
    if not isinstance(timestamp, int | float):
        return None
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).isoformat()


class _RasaTable(SqlEngineHolder):
    table: Table
    name: str

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._sqlite_path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None

    def _absent(self) -> bool:
        """A SQLite file Rasa never created (connecting would create it, empty)."""
        return self._sqlite_path is not None and not self._sqlite_path.exists()

    async def _rows(self, sender_ids: Sequence[str]) -> list[Any]:
        if self._absent() or not sender_ids:
            return []
        c = self.table.c
        query = select(self.table).where(c.sender_id.in_(sorted(set(sender_ids)))).order_by(c.id)
        try:
            async with self.engine.connect() as conn:
                return list((await conn.execute(query)).all())
        except DBAPIError as exc:
            if _missing_table(exc):
                return []
            raise

    keep_tail = False
    """Keep the newest row as a blank tombstone instead of deleting it (see RasaBrokerEvents)."""

    async def erase(self, sender_ids: Sequence[str]) -> int:
        """Deletes every event of these conversations; returns how many."""
        if self._absent() or not sender_ids:
            return 0
        c = self.table.c
        try:
            async with self.engine.begin() as conn:
                await secure_delete(conn)
                mine = c.sender_id.in_(sorted(set(sender_ids)))
                tail = await self._blank_tail(conn, mine)
                result = await conn.execute(delete(self.table).where(mine))
            await checkpoint(self.engine)  # the log's old page copies go too
            return int(result.rowcount) + tail
        except DBAPIError as exc:
            if _missing_table(exc):
                return 0
            raise

    async def _blank_tail(self, conn: AsyncConnection, condition: Any) -> int:
        """SQLite hands the id of a deleted newest row to the next insert; the behaviour consumer, which
        reads ids above its offset, would then skip new events. So the newest row, when it is to go, is
        blanked (no sender, no data) rather than deleted."""
        if not self.keep_tail:
            return 0
        c = self.table.c
        newest = (await conn.execute(select(func.max(c.id)))).scalar()
        if newest is None:
            return 0
        blanked = await conn.execute(update(self.table).where(c.id == newest, condition).values(
            sender_id="", data="{}"))
        return int(blanked.rowcount)


class RasaTrackerEvents(_RasaTable):
    """Rasa's SQL tracker store (NURTURE_TRACKER_URL)."""

    table = tracker_events
    name = "tracker_store"

    async def events(self, sender_id: str) -> list[dict[str, object]]:
        """One conversation's events, oldest first, for the transcripts of sales alerts and the dashboard. Read
        here, not through Rasa's HTTP API: Rasa stores a new tracker for a conversation it does not have, so an
        alert read just after an erase brought the erased conversation's id back into the tracker store."""
        return [r["event"] for r in await self.events_for([sender_id]) if isinstance(r["event"], dict)]

    async def events_for(self, sender_ids: Sequence[str]) -> list[dict[str, Any]]:
        return [{"id": r.id, "sender_id": r.sender_id, "type_name": r.type_name, "at": _iso(r.timestamp),
                 "intent_name": r.intent_name, "action_name": r.action_name, "event": _decode(r.data)}
                for r in await self._rows(sender_ids)]

    async def prune(self, before: datetime) -> int:
        """Deletes the events older than `before` (the tracker stores a Unix timestamp per event)."""
        if self._absent():
            return 0
        try:
            async with self.engine.begin() as conn:
                result = await conn.execute(delete(tracker_events).where(
                    tracker_events.c.timestamp < before.timestamp()))
                return int(result.rowcount)
        except DBAPIError as exc:
            if _missing_table(exc):
                return 0
            raise


class RasaBrokerEvents(_RasaTable):
    """Rasa's SQL event broker table (NURTURE_EVENTS_URL)."""

    table = broker_events
    name = "event_broker"
    keep_tail = True

    async def events_for(self, sender_ids: Sequence[str]) -> list[dict[str, Any]]:
        out = []
        for r in await self._rows(sender_ids):
            event = _decode(r.data)
            at = _iso(event.get("timestamp")) if isinstance(event, dict) else None
            out.append({"id": r.id, "sender_id": r.sender_id, "at": at, "event": event})
        return out

    async def prune(self, before: datetime) -> int:
        """Deletes the rows whose event is older than `before`. The broker keeps its timestamp inside the
        JSON, so rows are read in id (publication) order and the scan stops at the first newer one."""
        if self._absent():
            return 0
        cutoff, after, deleted = before.timestamp(), 0, 0
        try:
            while True:
                async with self.engine.begin() as conn:
                    rows = (await conn.execute(select(broker_events.c.id, broker_events.c.data)
                                               .where(broker_events.c.id > after)
                                               .order_by(broker_events.c.id).limit(_CHUNK))).all()
                    old = []
                    newer_seen = False
                    for row in rows:
                        event = _decode(row.data)
                        stamp = event.get("timestamp") if isinstance(event, dict) else None
                        if isinstance(stamp, int | float) and stamp < cutoff:
                            old.append(row.id)
                        elif isinstance(stamp, int | float):
                            newer_seen = True
                    if old:
                        blanked = await self._blank_tail(conn, broker_events.c.id.in_(old))
                        result = await conn.execute(delete(broker_events).where(
                            broker_events.c.id.in_(old), broker_events.c.sender_id != ""))
                        deleted += int(result.rowcount) + blanked
                if newer_seen or len(rows) < _CHUNK:
                    return deleted
                after = rows[-1].id
        except DBAPIError as exc:
            if _missing_table(exc):
                return deleted
            raise
