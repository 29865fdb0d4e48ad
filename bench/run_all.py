"""Runs every benchmark of the project one after the other (they share 2 cores) and writes
bench/results.json: the headline figures, each goal with whether it is met, and how long each step took.

Steps: events (bench_events.py), turn (bench_turn.py), dispatch (bench_dispatch.py), nlu (nlu_eval.py),
load (bench_load.py), train (the `nurture train --force` command, timed, into a temporary --out:
models/nurture.tar.gz is never touched). A failing step is reported and the others still run; the exit status is then 1.

Usage: .venv/bin/python bench/run_all.py [--only STEP ...] [--skip STEP ...] [--out bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
PY = sys.executable
STEPS = ("events", "turn", "dispatch", "nlu", "load", "train")


def run_json(argv: list[str], out: Path) -> dict[str, Any]:
    done = subprocess.run(argv, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:3])} exited with {done.returncode}: {done.stderr[-2000:]}")
    return dict(json.loads(out.read_text()))


def events() -> dict[str, Any]:
    out = BENCH / "events.json"
    r = run_json([PY, str(BENCH / "bench_events.py"), "--repeat", "5", "--json", str(out)], out)
    return {"events_per_s": r["events_per_s"], "events_per_s_sqlite": r["sqlite"]["events_per_s"],
            "events_store_ratio_pg": r["postgres"]["ratio_to_plain_insert"],
            "events_store_ratio_sqlite": r["sqlite"]["ratio_to_plain_insert"],
            # against the baseline before stop 21 (every row of one made-up lead: see bench_events.py)
            "events_store_ratio_sqlite_one_lead_baseline": r["sqlite"]["ratio_one_lead_baseline"],
            "events_store_ratio_pg_one_lead_baseline": r["postgres"]["ratio_one_lead_baseline"],
            "scoring_in_process_per_s": r["scoring_in_process_per_s"]}


def turn() -> dict[str, Any]:
    """The action server's store work for an answered profiling turn (no Rasa), against one plain insert."""
    out = BENCH / "turn.json"
    r = run_json([PY, str(BENCH / "bench_turn.py"), "--repeat", "3", "--pg", "--json", str(out)], out)
    found = {}
    for db, key in (("sqlite", "sqlite"), ("postgresql", "pg")):
        if db in r:
            found[f"action_turn_ms_{key}"] = r[db]["turn"]["ms_per_turn"]
            found[f"action_turn_ratio_{key}"] = r[db]["ratio_ms"]
    return found


def dispatch() -> dict[str, Any]:
    out = BENCH / "dispatch.json"
    r = run_json([PY, str(BENCH / "bench_dispatch.py"), "--repeat", "1", "--json", str(out)], out)
    return {k: r[k] for k in ("dispatch_per_s_sqlite", "dispatch_per_s_pg_1w", "dispatch_per_s_pg_4w",
                              "pg_4w_mode", "ratio_sqlite", "ratio_pg_4w") if k in r}


def nlu() -> dict[str, Any]:
    out = BENCH / "nlu_eval.json"
    r = run_json([PY, str(BENCH / "nlu_eval.py"), "--out", str(out)], out)
    return {"nlu_intent_macro_f1": r["intent_macro_f1_without_inform"], "nlu_entity_f1": r["entity_f1"],
            "nlu_entity_f1_mean": r["entity_f1_mean"], "nlu_entity_f1_min": min(r["entity_f1"].values()),
            "nlu_parse_ms_per_message": r["parse_ms_per_message"],
            "nlu_training_examples_identical_to_evaluation": r["training_examples_identical_to_evaluation"]}


def load() -> dict[str, Any]:
    """Visitors who read and type (5 s per message on average), then, on the same Rasa process, the same with no
    pause at 50 visitors (saturation)."""
    out = BENCH / "load.json"
    r = run_json([PY, str(BENCH / "bench_load.py"), "--saturated", "--json", str(out)], out)
    keys = ("turn_p50_ratio", "turn_p50_ratio_10c", "turn_p50_ratio_50c", "turn_p95_ratio_50c", "turn_p50_ms_50c",
            "turn_p95_ms_50c", "noop_p50_ms_50c", "noop_p95_ms_50c", "turns_per_s_10c", "turns_per_s_50c",
            "load_errors", "load_off_script", "engine_rss_mb", "db", "think_s", "saturated_turns_per_s_50c",
            "saturated_turn_p50_ratio_50c", "saturated_turn_p50_ms_50c", "saturated_noop_p50_ms_50c")
    found = {("load_db" if k == "db" else "load_think_s" if k == "think_s" else k): r[k] for k in keys if k in r}
    found["load_errors"] = found.get("load_errors", 0) + r.get("saturated_errors", 0)
    found["engine_rss_mb"] = max(found.get("engine_rss_mb", 0), r.get("saturated_engine_rss_mb", 0))
    return found


def train() -> dict[str, Any]:
    from nurture_engine.cli import train_argv, train_env

    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        argv = train_argv(ROOT, force=True)
        argv[argv.index("--out") + 1] = tmp  # the same command as `nurture train --force`, another output dir
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=train_env(), check=False, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"training exited with {done.returncode}: {done.stderr[-2000:]}")
    return {"train_s": round(elapsed, 1)}


RUNNERS: dict[str, Callable[[], dict[str, Any]]] = {"events": events, "turn": turn, "dispatch": dispatch,
                                                    "nlu": nlu, "load": load, "train": train}


def goals(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each goal of the issues with the measured figure (None when its step did not run)."""
    table: dict[str, tuple[str, Callable[[Any], bool]]] = {
        "turn_p50_ratio": ("<= 1.15", lambda v: v <= 1.15),
        "turn_p95_ms_50c": ("< 250", lambda v: v < 250),
        "load_errors": ("== 0", lambda v: v == 0),
        "dispatch_per_s_sqlite": (">= 1000", lambda v: v >= 1000),
        "dispatch_per_s_pg_4w": (">= 10000", lambda v: v >= 10_000),
        "scoring_in_process_per_s": (">= 20000", lambda v: v >= 20_000),
        "events_store_ratio_sqlite": ("<= 3", lambda v: v <= 3),
        "events_store_ratio_pg": ("<= 3", lambda v: v <= 3),
        "train_s": ("< 180", lambda v: v < 180),
        "nlu_intent_macro_f1": (">= 0.90", lambda v: v >= 0.90),
        "nlu_entity_f1_min": (">= 0.85", lambda v: v >= 0.85),
        "total_seconds": ("< 600", lambda v: v < 600),
    }
    return {k: {"goal": g, "measured": r.get(k), "met": None if r.get(k) is None else bool(ok(r[k]))}
            for k, (g, ok) in table.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="+", choices=STEPS)
    parser.add_argument("--skip", nargs="+", choices=STEPS, default=[])
    parser.add_argument("--out", default=str(BENCH / "results.json"))
    args = parser.parse_args()
    steps = [s for s in (args.only or STEPS) if s not in args.skip]
    result: dict[str, Any] = {"measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                          "load_average_1m_at_start": round(os.getloadavg()[0], 2)},
                              "step_seconds": {}, "failed": {}}
    started = time.perf_counter()
    for step in steps:
        print(f"[bench] {step} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            result.update(RUNNERS[step]())
        except (RuntimeError, KeyError, ValueError, OSError) as exc:
            result["failed"][step] = str(exc)[-1500:]
            print(f"[bench] {step} failed: {exc}", file=sys.stderr)
        result["step_seconds"][step] = round(time.perf_counter() - t0, 1)
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["goals"] = goals(result)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
