"""store/sqlite_rollback.py: a SQLite connection is rolled back when it has a transaction open, and only then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from nurture_engine.store.engine import SqlEngineHolder, driver_connection
from nurture_engine.store.sqlite_rollback import _open_transaction


class Store(SqlEngineHolder):
    pass


@pytest.fixture
async def stores(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path}/r.db"
    a, b = Store(url), Store(url)
    await a.start()
    await b.start()
    async with a.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield a, b
    await a.stop()
    await b.stop()


def rollbacks(store: Store) -> list[str]:
    sent: list[str] = []
    dialect = store.engine.sync_engine.dialect
    inner = dialect.do_rollback

    def counting(dbapi_connection: Any) -> None:
        sent.append("asked")
        if _open_transaction(dbapi_connection):
            sent.append("sent")
        inner(dbapi_connection)

    dialect.do_rollback = counting
    return sent


async def test_reads_send_no_rollback(stores: Any) -> None:
    a, _ = stores
    sent = rollbacks(a)
    for _ in range(3):
        async with a.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
    assert "asked" in sent and "sent" not in sent


async def test_a_write_left_open_is_rolled_back_when_the_connection_returns(stores: Any) -> None:
    a, b = stores
    sent = rollbacks(a)
    async with a.engine.connect() as conn:  # plain SQL on the driver, never committed
        await (await driver_connection(conn)).execute("INSERT INTO t VALUES (1)")
    assert "sent" in sent
    async with b.engine.begin() as conn:  # the other store can write at once: no lock left behind
        await conn.execute(text("INSERT INTO t VALUES (2)"))
    async with a.engine.connect() as conn:
        assert [r[0] for r in await conn.execute(text("SELECT x FROM t"))] == [2]


async def test_a_failed_transaction_is_rolled_back(stores: Any) -> None:
    a, _ = stores
    with pytest.raises(RuntimeError):
        async with a.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (3)"))
            raise RuntimeError("boom")
    async with a.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0


def test_what_cannot_be_checked_counts_as_open() -> None:
    assert _open_transaction(object()) is True
