"""SQLite files shared by several processes (Rasa, the action server, `nurture serve`) run in WAL mode.

In SQLite's default rollback-journal mode a writer locks readers out while it commits, and a blocked connection
retries with sleeps of up to 100 ms: under load, Rasa's tracker and broker writes, the action server's answers
and the behaviour consumer's batches queued behind each other for seconds. In WAL mode readers never wait for
the writer and a commit is an append to the log (`synchronous=NORMAL`: durable across a crash of any process;
a power cut can lose the last commits, never corrupt the file). The mode is a property of the file, set by the
first connection that asks; every connection sets `synchronous` for itself.

WAL keeps the old copies of changed pages in the `-wal` file until a checkpoint copies them back, so erasing
personal data ends with `checkpoint()`: the log is copied into the file (where `secure_delete` has zeroed the
freed bytes) and truncated.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
CHECKPOINT_TRIES = 50


def _tune(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            try:
                cursor.execute(pragma)
            except Exception as exc:  # locked by another process: the file's mode is set by then
                log.debug("%s: %s", pragma, exc)
    finally:
        cursor.close()


def use_wal(engine: Engine | AsyncEngine) -> None:
    """Every new connection of this SQLite engine runs in WAL mode (no-op for other databases and :memory:)."""
    sync = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
    if sync.dialect.name == "sqlite" and ":memory:" not in str(sync.url) and str(sync.url) != "sqlite://":
        event.listen(sync, "connect", _tune)


def use_wal_everywhere() -> None:
    """For a process whose engines we do not create (Rasa's SQL tracker store and event broker)."""

    def tune_sqlite(dbapi_connection: Any, record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            _tune(dbapi_connection, record)

    event.listen(Engine, "connect", tune_sqlite)


async def checkpoint(engine: AsyncEngine) -> None:
    """Copies the write-ahead log into the database file and empties it (after an erase); waits for readers."""
    if engine.dialect.name != "sqlite":
        return
    for _ in range(CHECKPOINT_TRIES):
        async with engine.connect() as conn:
            row = (await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).first()
        if row is None or not row[0]:  # (busy, log frames, checkpointed frames): busy = 0 means complete
            return
        await asyncio.sleep(0.1)
    log.warning("the SQLite write-ahead log of %s is still in use: it is emptied at the next checkpoint",
                engine.url.render_as_string(hide_password=True))
