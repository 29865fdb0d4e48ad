"""One SQLAlchemy asyncio engine per store, created on start() and disposed on stop()."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from .pg_pool import tune_pg_pool
from .sqlite_rollback import skip_idle_rollbacks
from .sqlite_wal import use_wal


def async_url(url: str) -> str:
    """The asyncio driver URL for a plain `sqlite:///` or `postgresql://` URL."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    return url


def tune_engine(engine: AsyncEngine) -> None:
    """What every asyncio engine of ours runs with: SQLite files in WAL mode and no rollback of idle connections;
    asyncpg pools checked for life locally at check-out and fully rolled back on return (pg_pool.py)."""
    use_wal(engine)
    skip_idle_rollbacks(engine)
    tune_pg_pool(engine)


async def driver_connection(conn: AsyncConnection) -> Any:
    """The driver's own connection (asyncpg or aiosqlite) under a SQLAlchemy connection, in its transaction:
    for the hot paths that send plain SQL without SQLAlchemy's per-statement work."""
    return (await conn.get_raw_connection()).driver_connection


class SqlEngineHolder:
    pool: ClassVar[tuple[int, int]] = (2, 4)
    """PostgreSQL pool size and overflow."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self._url = async_url(url)
        self._echo = echo
        self._engine: AsyncEngine | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError(f"{type(self).__name__} used before start()")
        return self._engine

    async def start(self) -> None:
        kwargs: dict[str, Any] = {"echo": self._echo, "future": True}
        if self._url.startswith("postgresql"):
            kwargs.update(pool_size=self.pool[0], max_overflow=self.pool[1])  # no pre-ping: pg_pool.py
        elif self._url.startswith("sqlite+aiosqlite:///") and ":memory:" not in self._url:
            # SQLAlchemy 1.4 opens a new aiosqlite connection (and thread) per checkout of a file
            # database; keeping a few open removes most of the per-transaction cost
            kwargs.update(poolclass=AsyncAdaptedQueuePool, pool_size=self.pool[0], max_overflow=self.pool[1])
        self._engine = create_async_engine(self._url, **kwargs)
        tune_engine(self._engine)

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
