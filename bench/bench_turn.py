"""Answered profiling turns through `NurtureService.profile_turn`: ms per turn and database work per turn,
against a baseline measured in the same run (one plain interaction insert per turn, its own transaction).

Each visitor answers the profiling questions one per turn; before each turn the behaviour consumer's work
for the visitor's message is done (untimed, by a service of its own: the consumer is a process of its own),
so the lead's message count changes between turns as in the load test. Statements are counted twice:
SQLAlchemy's `before_cursor_execute` (statements SQLAlchemy sends) and, on SQLite, the driver's trace
callback (every statement SQLite runs, the fast paths' plain SQL and COMMITs included; the COMMITs are
the transactions).

Usage: .venv/bin/python bench/bench_turn.py [--visitors 40] [--repeat 3] [--pg] [--json out.json]
PostgreSQL (--pg) runs in a throw-away database of NURTURE_BENCH_PG_URL (default 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from pgdb import create_database, database_url, drop_database  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402

from nurture_engine.clock import SystemClock  # noqa: E402
from nurture_engine.domain import Channel, Identity, Interaction, ProfileField  # noqa: E402
from nurture_engine.lead_engine import EventRecord  # noqa: E402
from nurture_engine.profiling import ProfileTurn, VisitState  # noqa: E402
from nurture_engine.service import Conversation, NurtureService  # noqa: E402
from nurture_engine.store import tables as t  # noqa: E402
from nurture_engine.store.migrate import upgrade  # noqa: E402
from nurture_engine.store.sql import SqlLeadStore  # noqa: E402
from nurture_engine.testing import test_settings  # noqa: E402

ANSWERS = [(ProfileField.USE_CASE, "forecasting our pipeline"), (ProfileField.ROLE, "Head of Sales"),
           (ProfileField.COMPANY_SIZE, "about 450 people"), (ProfileField.BUDGET, "20k a year"),
           (ProfileField.TIMELINE, "next quarter"), (ProfileField.COMPANY, "Globex")]


class Counts:
    """Statements per kind, from SQLAlchemy's event and SQLite's trace callback."""

    def __init__(self) -> None:
        self.sqlalchemy = 0
        self.driver: Counter[str] = Counter()

    def reset(self) -> None:
        self.sqlalchemy = 0
        self.driver.clear()

    def install(self, store: SqlLeadStore) -> None:
        sync = store.engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _count(*_: Any) -> None:
            self.sqlalchemy += 1

        if sync.dialect.name != "sqlite":
            return

        def trace(sql: str) -> None:
            self.driver[sql.split(None, 1)[0].upper()] += 1

        @event.listens_for(sync, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.await_(dbapi_connection._connection.set_trace_callback(trace))


async def timed(n: int, step: Callable[[int], Awaitable[None]], before: Callable[[int], Awaitable[None]],
                counts: Counts) -> dict[str, float]:
    elapsed = 0.0
    sqlalchemy = 0
    driver: Counter[str] = Counter()
    for i in range(n):
        await before(i)
        counts.reset()
        start = time.perf_counter()
        await step(i)
        elapsed += time.perf_counter() - start
        sqlalchemy += counts.sqlalchemy
        driver.update(counts.driver)
    out = {"ms_per_turn": elapsed * 1000 / n, "sqlalchemy_statements": sqlalchemy / n}
    if driver:
        out["sqlite_statements"] = sum(driver.values()) / n
        out["transactions"] = driver["COMMIT"] / n
    return out


async def run_once(url: str, visitors: int) -> dict[str, dict[str, float]]:
    service = NurtureService(store=SqlLeadStore(url), clock=SystemClock(), settings=test_settings())
    consumer = NurtureService(store=SqlLeadStore(url), clock=SystemClock(), settings=test_settings())
    await service.start()
    await consumer.start()
    store = service._store
    assert isinstance(store, SqlLeadStore)
    counts = Counts()
    counts.install(store)
    run = uuid.uuid4().hex[:6]
    convs = [Conversation(channel=Channel.WEB, sender_id=f"turn-{run}-{v}") for v in range(visitors)]
    turns = [(conv, step) for step in range(len(ANSWERS)) for conv in convs]
    asked: dict[str, tuple[ProfileField, ...]] = {}

    async def message(i: int) -> None:  # the consumer's work for the visitor's message (untimed)
        conv, _ = turns[i]
        now = service.now()
        await consumer.ingest([EventRecord(key=f"{conv.sender_id}-{i}", identity=conv.identity, interaction=Interaction(
            kind="message", intent="inform", channel=conv.channel, sender_id=conv.sender_id, at=now))])

    async def turn(i: int) -> None:
        conv, step = turns[i]
        field, raw = ANSWERS[step]
        done = asked.get(conv.sender_id, ())
        result = await service.profile_turn(conv, ProfileTurn(
            answers={field: raw}, requested=field, intent="inform",
            visit=VisitState(known=frozenset(f for f, _ in ANSWERS[:step]), asked=(*done, field))))
        assert result.slots.get(field) is not None, result
        asked[conv.sender_id] = result.asked

    async def plain(i: int) -> None:
        conv, _ = turns[i]
        async with store.engine.begin() as conn:
            await conn.execute(insert(t.interactions).values(
                lead_id=lead_ids[conv.sender_id], kind="bench", intent=None, channel=conv.channel.value,
                sender_id=conv.sender_id, data={}, at=service.now() - timedelta(days=1)))

    async def nothing(_: int) -> None:
        return None

    try:
        real = await timed(len(turns), turn, message, counts)
        lead_ids = {c.sender_id: (await service.lookup_identity(Identity(channel=c.channel, sender_id=c.sender_id))
                                  or await service.lead_for(c)).id for c in convs}
        base = await timed(len(turns), plain, nothing, counts)
    finally:
        await service.stop()
        await consumer.stop()
    return {"turn": real, "plain_insert": base}


def summary(runs: list[dict[str, dict[str, float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in runs[0]:
        out[name] = {k: round(statistics.median(r[name][k] for r in runs), 3) for k in runs[0][name]}
    out["ratio_ms"] = round(out["turn"]["ms_per_turn"] / out["plain_insert"]["ms_per_turn"], 2)
    return out


async def bench(db: str, visitors: int, repeat: int) -> dict[str, Any]:
    runs = []
    for _ in range(repeat):
        if db == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/leads.db"
                upgrade(url)
                runs.append(await run_once(url, visitors))
        else:
            name = create_database("bench_turn")
            try:
                upgrade(database_url(name))
                runs.append(await run_once(database_url(name), visitors))
            finally:
                drop_database(name)
    return summary(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=40, help="visitors; each answers 6 questions, one a turn")
    parser.add_argument("--repeat", type=int, default=3, help="fresh databases; the median is printed")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL too")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    results = {"sqlite": asyncio.run(bench("sqlite", args.visitors, args.repeat))}
    if args.pg:
        results["postgresql"] = asyncio.run(bench("postgresql", args.visitors, args.repeat))
    for db, figures in results.items():
        for name in ("turn", "plain_insert"):
            line = "  ".join(f"{k} {v}" for k, v in figures[name].items())
            print(f"{db:10} {name:13} {line}")
        print(f"{db:10} ratio turn / plain insert (ms): {figures['ratio_ms']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
