"""Our asyncpg pools: a connection is checked for life locally at check-out (instead of SQLAlchemy's
`pool_pre_ping`), and any transaction still open on it is rolled back when it goes back to the pool.

The ping is a round trip on every check-out, and through SQLAlchemy's asyncpg adapter it is three: `BEGIN`,
`SELECT 1`, and the `ROLLBACK` (or `COMMIT`) of that transaction when the connection goes back, even when the
work in between was one plain statement on the driver connection. The behaviour consumer checks out three
connections per batch: 15 round trips where 3 do the work (bench/RESULTS.md, stop 17).

Life: when PostgreSQL ends a connection (a restart, `pg_terminate_backend`, an idle timeout) the server
closes the socket, and asyncpg marks the connection closed as soon as the event loop sees it. A connection
found closed at check-out is refused, and the pool connects a fresh one in its place: the same recovery as
the ping, with no round trip. A connection that dies unseen (a network that drops packets) fails its first
statement instead, and is closed by it, so the next check-out replaces it; callers retry or report as they do
for any database error.

Return: SQLAlchemy rolls back only the transaction its adapter began. The ping used to begin one on every
check-out, which also covered a transaction begun on the driver connection directly and left open by a task
cancelled in the middle of it. Without the ping, such a transaction is rolled back here, so no connection
goes back to the pool holding locks.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


def _driver(connection: Any) -> Any:
    """The asyncpg connection under a pool proxy or SQLAlchemy's adapter (None if there is none)."""
    adapted = getattr(connection, "dbapi_connection", connection)
    return getattr(adapted, "driver_connection", None)


def closed(connection: Any) -> bool:
    """Whether the asyncpg connection under `connection` is known to be closed."""
    is_closed = getattr(_driver(connection), "is_closed", None)
    return bool(is_closed()) if callable(is_closed) else False


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    if closed(dbapi_connection):
        log.warning("a pooled PostgreSQL connection was closed by the server; connecting a new one")
        raise DisconnectionError("the server closed this connection")  # the pool replaces it and retries


def tune_pg_pool(engine: AsyncEngine) -> None:
    """For an asyncpg engine of ours: check-out refuses a connection the server has closed, and a rollback
    also ends a transaction begun on the driver connection."""
    dialect = engine.sync_engine.dialect
    if dialect.name != "postgresql" or dialect.driver != "asyncpg":
        return
    if not event.contains(engine.sync_engine.pool, "checkout", _refuse_closed):
        event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    if getattr(dialect, "_raw_rollbacks", False):
        return
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        rollback(dbapi_connection)  # the adapter's own transaction, if it began one
        driver = _driver(dbapi_connection)
        if driver is not None and not driver.is_closed() and driver.is_in_transaction():
            log.warning("a PostgreSQL connection came back with a transaction open; rolled back")
            adapted = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
            adapted.await_(driver.execute("ROLLBACK"))

    dialect.do_rollback = do_rollback
    dialect._raw_rollbacks = True
