"""store/pg_pool.py on the running PostgreSQL: a check-out costs no round trip, and a connection the server
ended is replaced at check-out, so the store's next call succeeds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from typing import Any

import psycopg2
import pytest
from sqlalchemy import event

from nurture_engine.domain import Channel, Identity
from nurture_engine.store.engine import driver_connection
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
WEB = Identity(channel=Channel.WEB, sender_id="v-1")


@pytest.fixture
async def pg(pg_database_factory: Callable[[str], str]) -> AsyncIterator[tuple[SqlLeadStore, str, list[str]]]:
    url = pg_database_factory("nurture_alive")
    upgrade(url)
    store = SqlLeadStore(url)
    await store.start()
    sent: list[str] = []  # every statement the store's connections send, from their first

    def log_queries(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(lambda q: sent.append(" ".join(q.query.split())))

    event.listen(store.engine.sync_engine.pool, "connect", log_queries)
    yield store, url, sent
    await store.stop()


def terminate_backends(url: str) -> int:
    """Ends every server process of the database (as a restart or an administrator would)."""
    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        ended = int(cur.fetchone()[0])
    conn.close()
    return ended


async def test_a_fast_read_is_one_statement_with_no_ping_nor_transaction(pg: Any) -> None:
    store, _, sent = pg
    await store.create_lead(WEB, T0)
    await store.leads_for_scoring([WEB])  # asyncpg's first use of a statement on a connection asks for its types
    sent.clear()
    for _ in range(3):
        assert list(await store.leads_for_scoring([WEB])) == [WEB]
    assert len(sent) == 3, sent
    assert not [q for q in sent if q.split()[0] in ("BEGIN", "ROLLBACK", "COMMIT")], sent


async def test_connections_the_server_ended_are_replaced_at_check_out(pg: Any,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    store, url, _ = pg
    lead = await store.create_lead(WEB, T0)
    # hold two connections at once, so the pool keeps two to lose
    async with store.engine.connect() as a, store.engine.connect() as b:
        assert a is not b
        await a.exec_driver_sql("SELECT 1")
        await b.exec_driver_sql("SELECT 1")
    assert terminate_backends(url) >= 2
    await asyncio.sleep(0.3)  # the event loop reads the servers' goodbyes
    with caplog.at_level(logging.WARNING, logger="nurture_engine.store.pg_pool"):
        found = await store.leads_for_scoring([WEB])  # a plain driver statement: no SQLAlchemy to recover it
        assert found[WEB].id == lead.id
        assert (await store.get_lead(lead.id)).id == lead.id  # and through SQLAlchemy
        await store.create_lead(Identity(channel=Channel.TELEGRAM, sender_id="t-1"), T0)
    assert "closed by the server" in caplog.text
    assert await store.lead_for_identity(Identity(channel=Channel.TELEGRAM, sender_id="t-1")) is not None


async def test_a_transaction_left_open_on_the_driver_is_rolled_back_when_the_connection_returns(
        pg: Any, caplog: pytest.LogCaptureFixture) -> None:
    """As a task cancelled between a plain BEGIN and its COMMIT would leave it: no connection goes back to the
    pool holding a transaction (and its locks)."""
    store, url, _ = pg
    lead = await store.create_lead(WEB, T0)
    with caplog.at_level(logging.WARNING, logger="nurture_engine.store.pg_pool"):
        async with store.engine.connect() as conn:
            driver = await driver_connection(conn)
            await driver.execute("BEGIN")
            await driver.execute("UPDATE leads SET score = 99 WHERE id = $1", lead.id)
    assert "transaction open; rolled back" in caplog.text
    assert not driver.is_in_transaction()
    other = psycopg2.connect(url)
    other.autocommit = True
    with other.cursor() as cur:
        cur.execute("SET lock_timeout = '2s'")
        cur.execute("UPDATE leads SET score = 1 WHERE id = %s", (lead.id,))  # no lock left behind
    other.close()
    assert (await store.get_lead(lead.id)).score == 1
