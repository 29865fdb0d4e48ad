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
from sqlalchemy import create_engine, insert  # noqa: E402

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



async def bench_store(leads_url: str, events_url: str, events: list[dict[str, Any]],
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
    # baseline: a plain insert of the same interaction rows, in the same batch size, into the same database,
    # through an engine configured as the store's (pooled connection; on SQLite WAL with synchronous=NORMAL): a
    # bare engine opens a new SQLite connection per batch and syncs every commit, which made the baseline slower
    # than a plain insert by our service is (and the ratio ~1.4x too kind, until stop 17)
    holder = SqlEngineHolder(leads_url)
    await holder.start()
    base_engine = holder.engine
    rows = [{"lead_id": "x" * 32, "kind": "message", "intent": e.get("parse_data", {}).get("intent", {}).get("name"),
             "channel": "web", "sender_id": e["sender_id"], "data": {"length": 11},
             "at": datetime.fromtimestamp(e["timestamp"], tz=timezone.utc)} for e in events]
    async with base_engine.begin() as conn:
        await conn.execute(insert(t.leads).values(id="x" * 32, stage="new", score=0, consent_status="unknown",
                                                  created_at=T0, updated_at=T0))
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        async with base_engine.begin() as conn:
            await conn.execute(insert(t.interactions), rows[i:i + BATCH])
    baseline = time.perf_counter() - start
    await holder.stop()
    # where the wall time went: CPU of the event loop's thread (Python: mapping, scoring, building rows and
    # leads, and the drivers' Python), the rest waiting (for the database, or for aiosqlite's thread)
    return {"events_per_s": len(events) / elapsed, "plain_insert_per_s": len(events) / baseline,
            "ratio_to_plain_insert": elapsed / baseline, "wall_s": elapsed, "loop_thread_cpu_s": cpu,
            "baseline_s": baseline, "loop_cpu_to_baseline": cpu / baseline}


def make_pg_database(prefix: str) -> tuple[str, Callable[[], None]]:
    name = create_database(prefix)
    return database_url(name), lambda: drop_database(name)


def run_store(kind: str, events: list[dict[str, Any]], profiler: cProfile.Profile | None = None
              ) -> dict[str, float]:
    """One consumer run and its baseline on a fresh database of this kind."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return asyncio.run(bench_store(f"sqlite:///{tmp}/leads.db", f"sqlite:///{tmp}/events.db", events,
                                           profiler))
    leads_url, drop_leads = make_pg_database("bench_leads")
    events_url, drop_events = make_pg_database("bench_events")
    try:
        return asyncio.run(bench_store(leads_url, events_url, events, profiler))
    finally:
        drop_leads()
        drop_events()


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
