"""Events scored per second: in-process scoring, and the consumer + scoring + store path on SQLite and
PostgreSQL, each against a plain insert of the same rows measured in the same run.

Usage: .venv/bin/python bench/bench_events.py [--events 20000] [--leads 200] [--repeat 3] [--json out.json]
       [--profile sqlite|pg] (cProfile of the consumer path on one database instead of the benchmark)
       [--default-gc] (CPython's GC settings instead of those of `nurture serve`, see nurture_engine/gc_tuning.py)
PostgreSQL runs against NURTURE_BENCH_PG_URL (default: a throw-away database on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from pgdb import create_database, database_url, drop_database  # noqa: E402
from sqlalchemy import create_engine, insert, select  # noqa: E402

from nurture_engine.clock import SystemClock  # noqa: E402
from nurture_engine.domain import Channel, Interaction  # noqa: E402
from nurture_engine.events import SQL_BATCH, EventConsumer, SqlEventSource, _events, _metadata  # noqa: E402
from nurture_engine.gc_tuning import tune_for_service  # noqa: E402
from nurture_engine.scoring import BehaviourLedger  # noqa: E402
from nurture_engine.service import NurtureService  # noqa: E402
from nurture_engine.store import tables as t  # noqa: E402
from nurture_engine.store.engine import SqlEngineHolder  # noqa: E402
from nurture_engine.store.migrate import upgrade  # noqa: E402
from nurture_engine.store.sql import SqlLeadStore  # noqa: E402
from nurture_engine.testing import test_settings  # noqa: E402

INTENTS = ["ask_pricing", "inform", "ask_features", "request_content", "greet", "affirm", "request_demo"]
T0 = datetime(2026, 11, 1, tzinfo=timezone.utc)
BATCH = int(os.environ.get("NURTURE_BENCH_BATCH", str(SQL_BATCH)))  # the consumer's, and the baseline's


def synthetic_events(n: int, leads: int) -> list[dict[str, Any]]:
    events = []
    for i in range(n):
        sender = f"bench-{(i // 2) % leads}"  # a user message, then the bot's reply to the same person
        ts = (T0 + timedelta(minutes=i)).timestamp()
        if i % 2 == 0:
            events.append({"event": "user", "sender_id": sender, "timestamp": ts, "text": "hello there",
                           "input_channel": "socketio",
                           "parse_data": {"intent": {"name": INTENTS[i % len(INTENTS)]}, "entities": []}})
        else:
            events.append({"event": "bot", "sender_id": sender, "timestamp": ts, "text": "hi!"})
    return events


def bench_in_process(n: int) -> float:
    rules = test_settings().scoring
    interactions = [Interaction(kind="message", intent=INTENTS[i % len(INTENTS)], channel=Channel.WEB,
                                sender_id="s", at=T0 + timedelta(minutes=i)) for i in range(n)]
    ledgers = [BehaviourLedger(rules) for _ in range(100)]
    start = time.perf_counter()
    for i, interaction in enumerate(interactions):
        ledgers[i % 100].apply(interaction)
    return n / (time.perf_counter() - start)



async def bench_store(leads_url: str, events_url: str, baseline_urls: tuple[str, str], events: list[dict[str, Any]],
                      profiler: cProfile.Profile | None = None) -> dict[str, float]:
    upgrade(leads_url)
    engine = create_engine(events_url, future=True)
    _metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(_events), [{"sender_id": e["sender_id"], "data": json.dumps(e)} for e in events])
    engine.dispose()
    service = NurtureService(store=SqlLeadStore(leads_url), clock=SystemClock(), settings=test_settings())
    await service.start()
    consumer = EventConsumer(SqlEventSource(events_url), service, batch_size=BATCH)
    await consumer.start()
    if profiler is not None:
        profiler.enable()
    start, cpu = time.perf_counter(), time.thread_time()
    consumed = await consumer.drain()
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    if profiler is not None:
        profiler.disable()
    await consumer.stop()
    await service.stop()
    assert consumed == len(events), (consumed, len(events))
    # baseline: a plain insert of the same interaction rows, in the same batch size, into an empty table of the same
    # schema on the same database server, through an engine configured as the store's (pooled connection; on
    # SQLite WAL with synchronous=NORMAL): a bare engine opens a new SQLite connection per batch and syncs every
    # commit, which made the baseline slower than a plain insert by our service is (and the ratio ~1.4x too kind,
    # until stop 17). The rows are those the consumer wrote, read back. Until stop 21 the baseline gave every row
    # one made-up lead id, which appends to the lead_id index where the rows of 200 leads go to 200 places in it:
    # that baseline is measured too (`ratio_one_lead_baseline`), into a second empty database
    written = SqlEngineHolder(leads_url)
    await written.start()
    async with written.engine.connect() as conn:
        c = t.interactions.c
        rows = [dict(r._mapping) for r in (await conn.execute(
            select(c.lead_id, c.kind, c.intent, c.channel, c.sender_id, c.data, c.at).order_by(c.id))).all()]
    await written.stop()
    assert len(rows) == len(events), (len(rows), len(events))
    baseline = await plain_insert(baseline_urls[0], rows)
    one_lead = await plain_insert(baseline_urls[1], [{**r, "lead_id": "x" * 32} for r in rows])
    # where the wall time went: CPU of the event loop's thread (Python: mapping, scoring, building rows and
    # leads, and the drivers' Python), the rest waiting (for the database, or for aiosqlite's thread)
    return {"events_per_s": len(events) / elapsed, "plain_insert_per_s": len(events) / baseline,
            "ratio_to_plain_insert": elapsed / baseline, "wall_s": elapsed, "loop_thread_cpu_s": cpu,
            "baseline_s": baseline, "loop_cpu_to_baseline": cpu / baseline,
            "ratio_one_lead_baseline": elapsed / one_lead}


async def plain_insert(url: str, rows: list[dict[str, Any]]) -> float:
    """Seconds to insert `rows` into the interactions table of a new database at `url`, BATCH rows a transaction,
    after the leads they belong to (a foreign key)."""
    upgrade(url)
    holder = SqlEngineHolder(url)
    await holder.start()
    engine = holder.engine
    async with engine.begin() as conn:
        await conn.execute(insert(t.leads), [{"id": lead_id, "stage": "new", "score": 0, "consent_status": "unknown",
                                              "created_at": T0, "updated_at": T0}
                                             for lead_id in sorted({r["lead_id"] for r in rows})])
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        async with engine.begin() as conn:
            await conn.execute(insert(t.interactions), rows[i:i + BATCH])
    elapsed = time.perf_counter() - start
    await holder.stop()
    return elapsed


def make_pg_database(prefix: str) -> tuple[str, Callable[[], None]]:
    name = create_database(prefix)
    return database_url(name), lambda: drop_database(name)


def run_store(kind: str, events: list[dict[str, Any]], profiler: cProfile.Profile | None = None
              ) -> dict[str, float]:
    """One consumer run and its baseline on a fresh database of this kind."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return asyncio.run(bench_store(f"sqlite:///{tmp}/leads.db", f"sqlite:///{tmp}/events.db",
                                           (f"sqlite:///{tmp}/baseline.db", f"sqlite:///{tmp}/one_lead.db"),
                                           events, profiler))
    leads_url, drop_leads = make_pg_database("bench_leads")
    events_url, drop_events = make_pg_database("bench_events")
    baseline_url, drop_baseline = make_pg_database("bench_baseline")
    one_lead_url, drop_one_lead = make_pg_database("bench_one_lead")
    try:
        return asyncio.run(bench_store(leads_url, events_url, (baseline_url, one_lead_url), events, profiler))
    finally:
        for drop in (drop_leads, drop_events, drop_baseline, drop_one_lead):
            drop()


def median_run(runs: list[dict[str, float]]) -> dict[str, Any]:
    """The median of each figure over the runs (the runs themselves under `runs`)."""
    out: dict[str, Any] = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
    out["runs"] = [{k: round(v, 2) for k, v in r.items()} for r in runs]
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="runs per database, interleaved; medians reported")
    parser.add_argument("--profile", choices=["sqlite", "pg"])
    parser.add_argument("--default-gc", action="store_true",
                        help="keep CPython's default GC settings instead of those `nurture serve` runs with")
    parser.add_argument("--json")
    args = parser.parse_args()
    events = synthetic_events(args.events, args.leads)
    if not args.default_gc:
        tune_for_service()  # as `nurture serve`, which runs the consumer, does once started
    if args.profile:
        profiler = cProfile.Profile()
        figures = run_store("sqlite" if args.profile == "sqlite" else "pg", events, profiler)
        print(json.dumps({k: round(v, 2) for k, v in figures.items()}), "(under the profiler)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return 0
    result: dict[str, Any] = {"events": args.events, "leads": args.leads, "batch": BATCH,
                              "gc": "default" if args.default_gc else "as nurture serve (gc_tuning)",
                              "scoring_in_process_per_s": round(bench_in_process(200_000))}
    runs: dict[str, list[dict[str, float]]] = {"sqlite": [], "pg": []}
    for _ in range(args.repeat):
        for kind, done in runs.items():
            done.append(run_store(kind, events))
    result["sqlite"] = median_run(runs["sqlite"])
    result["postgres"] = median_run(runs["pg"])
    result["events_per_s"] = result["postgres"]["events_per_s"]
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
