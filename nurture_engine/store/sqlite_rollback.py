"""No rollback round trip for a SQLite connection that has no transaction open.

SQLAlchemy rolls back every connection it returns to the pool, and every transaction it began implicitly
(a `SELECT` on a connection in "future" mode), whether or not SQLite has one open. Through aiosqlite each
rollback is a round trip to the connection's thread: 3 of the ~12 round trips of an answered profiling turn,
4 per batch of the behaviour consumer. SQLite opens a transaction only when it writes (or is told `BEGIN`);
when `in_transaction` is false a rollback does nothing, so it is not sent. Anything that cannot be checked
is rolled back as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


def _open_transaction(connection: Any) -> bool:
    """Whether the sqlite3 connection under `connection` (a pool proxy or SQLAlchemy's aiosqlite adapter) has
    a transaction open; True when that cannot be told."""
    adapted = getattr(connection, "dbapi_connection", connection)
    worker = getattr(adapted, "_connection", None)  # the aiosqlite.Connection
    try:
        return bool(worker._conn.in_transaction)  # type: ignore[union-attr]
    except Exception:
        return True


def skip_idle_rollbacks(engine: AsyncEngine) -> None:
    """For an aiosqlite engine of ours: its dialect rolls back only connections with a transaction open."""
    dialect = engine.sync_engine.dialect
    if dialect.name != "sqlite" or dialect.driver != "aiosqlite" or getattr(dialect, "_idle_rollbacks_skipped", False):
        return
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        if _open_transaction(dbapi_connection):
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback
    dialect._idle_rollbacks_skipped = True
