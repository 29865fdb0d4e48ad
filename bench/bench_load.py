"""Load test: K concurrent simulated visitors hold qualification conversations over Rasa's REST channel
against the real stack (one Rasa server + the action server + `nurture serve`), K = 10 and 50.
Each visitor reads the reply and types the next message: a pause of 0.5-1.5 x `--think` seconds (default 5)
before each message, as a person in a chat widget does. `--think 0` sends each message as soon as the reply
arrives (a closed loop: it measures the saturation throughput, and latency then is queueing time).

Baseline in the same run: the same conversations against the same Rasa process and model with the no-op
action server (bench/noop_actions.py) on the action server's port, so Rasa still calls an action server
over HTTP but nothing is done. `nurture serve` runs only in the real phases (its consumer catches up on the
baseline's events before a real phase starts). At the highest K the phases run baseline, real, real,
baseline (`--rounds 2`, ABBA: a drift of the machine's speed over the minutes weighs on both sides alike; the
latencies of a side's two rounds are pooled), `--conversations` conversations per visitor each; at the other
K baseline then real, with both rounds' conversations in one.

Reports turns/s, p50/p95 turn latency, errors (non-200, timeouts), replies that did not follow the
script (real phases), the p50/p95 ratios real/baseline, and the peak RSS (MB, VmRSS of every process in
the action server's and the service's process groups) sampled every 100 ms during the real phases.

Usage: .venv/bin/python bench/bench_load.py [--db sqlite|pg] [--concurrency 10 50] [--conversations 1] [--rounds 2]
       [--think 5] [--saturated] (then a no-op and a real round with no pause at the highest K, same Rasa process)
       [--json out.json] [--profile out.prof] (cProfile of the action server during the real phases)
       [--py-spy DIR [--py-spy-seconds 30]] (py-spy of every process at the highest concurrency, summarised)
       [--profile-rasa out.prof] (cProfile of the Rasa server)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import aiohttp  # noqa: E402
import spy  # noqa: E402
from load_visitors import SCRIPT, Asked, Phase, converse, group_cpu_s, merged, sample_rss  # noqa: E402
from pgdb import create_database, database_url, drop_database  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from nurture_engine.config import load_settings  # noqa: E402
from nurture_engine.stack import ProcessSpec, bin_path, stack_env, stack_processes  # noqa: E402
from nurture_engine.store.migrate import upgrade  # noqa: E402
from nurture_engine.supervisor import Supervisor  # noqa: E402
from nurture_engine.testing import free_port  # noqa: E402

MODEL = ROOT / "models" / "nurture.tar.gz"


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args, self.tmp = args, tmp
        self.rasa_port, self.action_port, self.serve_port = free_port(), free_port(), free_port()
        self.created_pg: list[str] = []
        if args.db == "pg":
            db, tracker, events = self.pg_db(), self.pg_db(), self.pg_db()
        else:
            db, tracker, events = (f"sqlite:///{tmp / n}" for n in ("nurture.db", "tracker.db", "events.db"))
        self.db_url, self.events_url = db, events
        env = {"NURTURE_DATABASE_URL": db, "NURTURE_TRACKER_URL": tracker, "NURTURE_EVENTS_URL": events,
               "NURTURE_HOME": str(ROOT), "NURTURE_ADMIN_TOKEN": uuid.uuid4().hex,
               "NURTURE_ACTION_TOKEN": uuid.uuid4().hex, "RASA_TOKEN": uuid.uuid4().hex,
               "NURTURE_RASA_URL": f"http://127.0.0.1:{self.rasa_port}"}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "RASA_", "TELEGRAM_", "SLACK_"))}
        self.settings = load_settings(env=env, root=ROOT)
        upgrade(db)
        self.env = stack_env(self.settings, {**base, **env}, action_port=self.action_port, serve_port=self.serve_port)
        self.specs = {s.name: s for s in stack_processes(self.settings, model=MODEL, rasa_port=self.rasa_port,
                                                         action_port=self.action_port, serve_port=self.serve_port)}
        self.rasa_url = f"http://127.0.0.1:{self.rasa_port}"
        self.asked = Asked()
        self.rasa_pid = 0

    def pg_db(self) -> str:
        name = create_database("bench_load")
        self.created_pg.append(name)
        return database_url(name)

    def drop_pg(self) -> None:
        for name in self.created_pg:
            drop_database(name)

    def action_side(self, mode: str) -> list[ProcessSpec]:
        if mode == "noop":
            return [ProcessSpec(name="noop", argv=[sys.executable, str(ROOT / "bench" / "noop_actions.py"), "--port",
                                                   str(self.action_port)],
                                health_url=f"http://127.0.0.1:{self.action_port}/health")]
        actions = self.specs["actions"]
        if self.args.profile:
            actions = ProcessSpec(name="actions", health_url=actions.health_url,
                                  argv=[sys.executable, "-m", "cProfile", "-o", self.args.profile,
                                        bin_path("nurture"), *actions.argv[1:]])
        return [actions, self.specs["serve"]]

    def caught_up(self) -> bool:
        """The service's consumer has read every event Rasa wrote (SQL broker table)."""
        events, leads = create_engine(self.events_url), create_engine(self.db_url)
        try:
            with events.connect() as e, leads.connect() as lead:
                last = e.execute(text("SELECT max(id) FROM events")).scalar() or 0
                done = lead.execute(text("SELECT max(position) FROM consumer_offsets")).scalar() or 0
            return int(done) >= int(last)
        finally:
            events.dispose()
            leads.dispose()

    async def wait_caught_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout * 2)):
            if await asyncio.to_thread(self.caught_up) or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.5)

    async def events_of(self, http: aiohttp.ClientSession, sender: str) -> dict[str, int]:
        """The action events of one conversation by name, and its other events by kind (slot events by slot):
        what the conversation cost Rasa's policies, tracker store and event broker."""
        async with http.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                            params={"token": self.env["RASA_TOKEN"]}) as resp:
            events = (await resp.json()).get("events") or []
        found: dict[str, int] = {}
        for e in events:
            kind = e.get("event")
            key = e["name"] if kind == "action" else f"slot {e.get('name')}" if kind == "slot" else f"({kind})"
            found[key] = found.get(key, 0) + 1
        return found

    async def spy(self, phase: Phase, pids: dict[str, int]) -> None:
        """py-spy of every process of the phase, from 3 s in (connections warm) for --py-spy-seconds."""
        await asyncio.sleep(3)
        out = Path(self.args.py_spy)
        files = await spy.record(pids, self.args.py_spy_seconds, out, suffix=f"-{phase.mode}-{phase.concurrency}c")
        phase.profile = {name: spy.summarise(path, spy.RASA if name == "rasa" else spy.ENGINE)
                         for name, path in files.items()}

    def order(self, k: int) -> list[str]:
        """The rounds of one concurrency: no-op, real, real, no-op (ABBA) at the highest concurrency with
        `--rounds 2`, so that a machine growing slower or faster over the minutes weighs on both sides alike;
        else one of each (with as many conversations in all: a round costs a restart of the action side)."""
        top = self.args.rounds == 2 and k == max(self.args.concurrency)
        return ["noop", "real", "real", "noop"] if top else ["noop", "real"]

    async def run_phase(self, http: aiohttp.ClientSession, mode: str, k: int, round_no: int = 0,
                        conversations: int = 1, think: float | None = None) -> Phase:
        think = self.args.think if think is None else think
        side = Supervisor(self.action_side(mode), self.env, self.tmp / "log")
        await side.start(timeout=120)
        phase = Phase(mode=mode, concurrency=k)
        try:
            if mode == "real":
                await self.wait_caught_up()
            warm = Phase(mode=mode, concurrency=2)  # not measured: connection pools, first-call costs
            await asyncio.gather(*(converse(http, self.rasa_url, warm, self.asked, 1) for _ in range(2)))
            stop = asyncio.Event()
            sampler = asyncio.create_task(sample_rss({p.pid for p in side.procs.values()}, phase, stop))
            groups = {"rasa": self.rasa_pid, **{name: p.pid for name, p in side.procs.items()}}
            cpu_before = {name: group_cpu_s(pid) for name, pid in groups.items()}
            start = time.perf_counter()
            spying = asyncio.create_task(self.spy(phase, groups)) if self.args.py_spy and k == max(
                self.args.concurrency) else None
            rng = random.Random(k * 10 + round_no // 2)  # one no-op and one real round share their pauses
            await asyncio.gather(*(converse(http, self.rasa_url, phase, self.asked, conversations,
                                            think, random.Random(rng.random())) for _ in range(k)))
            phase.wall = time.perf_counter() - start
            if spying is not None:
                await spying
            turns = max(1, len(phase.latencies))
            phase.cpu_ms_per_turn = {name: round(1000 * (group_cpu_s(pid) - cpu_before[name]) / turns, 1)
                                     for name, pid in groups.items()}
            stop.set()
            await sampler
            phase.events = await self.events_of(http, phase.senders[0])
            if mode == "noop":
                async with http.get(f"http://127.0.0.1:{self.action_port}/stats") as resp:
                    calls = await resp.json()
                print(f"  no-op action server calls so far: {calls}", file=sys.stderr)
        finally:
            await side.stop()
        print(f"  {json.dumps(phase.summary())}", file=sys.stderr)
        return phase

    async def run(self) -> dict[str, Any]:
        spec = self.specs["rasa"]
        if self.args.profile_rasa:
            spec = ProcessSpec(name="rasa", health_url=spec.health_url,
                               argv=[sys.executable, "-m", "cProfile", "-o", self.args.profile_rasa, *spec.argv[1:]])
        rasa = Supervisor([spec], self.env, self.tmp / "log")
        await rasa.start(timeout=300)
        self.rasa_pid = rasa.procs["rasa"].pid
        phases: list[Phase] = []
        saturated: list[Phase] = []
        try:
            timeout = aiohttp.ClientTimeout(total=120)
            async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
                for k in self.args.concurrency:
                    order = self.order(k)  # each side holds conversations x rounds conversations per visitor
                    per_round = self.args.conversations * self.args.rounds // order.count("real")
                    rounds = [await self.run_phase(http, mode, k, r, per_round) for r, mode in enumerate(order)]
                    phases.extend(merged([p for p in rounds if p.mode == mode]) for mode in ("noop", "real"))
                if self.args.saturated:  # the same Rasa process: no second model load
                    top = max(self.args.concurrency)
                    saturated = [await self.run_phase(http, mode, top, think=0.0) for mode in ("noop", "real")]
        finally:
            await rasa.stop()
        out = self.report(phases)
        if saturated:
            out.update(self.report_saturated(*saturated))
        out["log_errors"] = self.log_errors()
        return out

    @staticmethod
    def report_saturated(noop_phase: Phase, real_phase: Phase) -> dict[str, Any]:
        """--saturated: one no-op and one real round with no pause (a closed loop) at the highest concurrency."""
        noop, real = noop_phase.summary(), real_phase.summary()
        k = real_phase.concurrency
        return {"saturated_phases": [noop, real], f"saturated_turns_per_s_{k}c": real["turns_per_s"],
                f"saturated_turn_p50_ratio_{k}c": round(real["p50_ms"] / noop["p50_ms"], 2),
                f"saturated_turn_p50_ms_{k}c": real["p50_ms"], f"saturated_noop_p50_ms_{k}c": noop["p50_ms"],
                "saturated_errors": len(noop_phase.errors) + len(real_phase.errors),
                "saturated_off_script": real_phase.off_script,
                "saturated_engine_rss_mb": round(real_phase.peak_rss_mb, 1)}

    def log_errors(self) -> dict[str, Any]:
        """ERROR lines of the processes' logs (counted per process; a few samples, secrets never logged)."""
        found: dict[str, Any] = {}
        for path in sorted((self.tmp / "log").glob("*.log")):
            lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if " ERROR " in line]
            if lines:
                found[path.stem] = {"count": len(lines), "samples": sorted(set(x[:300] for x in lines))[:4]}
        return found

    def report(self, phases: list[Phase]) -> dict[str, Any]:
        out: dict[str, Any] = {"db": self.args.db, "think_s": self.args.think,
                               "conversations_per_visitor": self.args.conversations * self.args.rounds,
                               "order": {k: self.order(k) for k in self.args.concurrency},
                               "turns_per_conversation": len(SCRIPT), "phases": [p.summary() for p in phases]}
        for k in self.args.concurrency:
            real = next(p.summary() for p in phases if p.mode == "real" and p.concurrency == k)
            noop = next(p.summary() for p in phases if p.mode == "noop" and p.concurrency == k)
            out[f"turn_p50_ratio_{k}c"] = round(real["p50_ms"] / noop["p50_ms"], 2)
            out[f"turn_p95_ratio_{k}c"] = round(real["p95_ms"] / noop["p95_ms"], 2)
            out[f"turn_p50_ms_{k}c"], out[f"turn_p95_ms_{k}c"] = real["p50_ms"], real["p95_ms"]
            out[f"noop_p50_ms_{k}c"], out[f"noop_p95_ms_{k}c"] = noop["p50_ms"], noop["p95_ms"]
            out[f"turns_per_s_{k}c"] = real["turns_per_s"]
        top = max(self.args.concurrency)
        out["turn_p50_ratio"] = out[f"turn_p50_ratio_{top}c"]
        out["load_errors"] = sum(len(p.errors) for p in phases)
        out["load_off_script"] = sum(p.off_script for p in phases if p.mode == "real")
        out["noop_off_script"] = sum(p.off_script for p in phases if p.mode == "noop")  # Rasa's own form order
        out["engine_rss_mb"] = round(max(p.peak_rss_mb for p in phases if p.mode == "real"), 1)
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--conversations", type=int, default=1, help="conversations per visitor per round")
    parser.add_argument("--rounds", type=int, choices=[1, 2], default=2,
                        help="2: no-op, real, real, no-op at the highest concurrency (ABBA); 1: no-op then real")
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds a visitor reads and types between messages (0: closed loop, saturation)")
    parser.add_argument("--saturated", action="store_true",
                        help="then, on the same Rasa process, a no-op and a real round with no pause at the highest "
                             "concurrency (saturation throughput; reported as saturated_*)")
    parser.add_argument("--py-spy", metavar="DIR",
                        help="py-spy every process during the phases at the highest concurrency; raw files to DIR")
    parser.add_argument("--py-spy-seconds", type=float, default=30)
    parser.add_argument("--json")
    parser.add_argument("--profile", help="write a cProfile of the action server (real phases) here")
    parser.add_argument("--profile-rasa", help="write a cProfile of the Rasa server (all phases) here")
    args = parser.parse_args()
    if not MODEL.exists():
        raise SystemExit(f"no trained model at {MODEL}: run `make train`")
    if args.py_spy and not spy.available():
        raise SystemExit("--py-spy needs py-spy in this virtualenv (it is in requirements.lock: `make venv`)")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        bench = Bench(args, Path(tmp))
        try:
            result = asyncio.run(bench.run())
        finally:
            bench.drop_pg()
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
