"""bench/bench_load.py: the order of the no-op and real rounds, and how a side's rounds are pooled."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from types import ModuleType

from nurture_engine.testing import PROJECT_ROOT


def bench_load() -> ModuleType:
    sys.path.insert(0, str(PROJECT_ROOT / "bench"))  # the script imports its neighbours (spy, pgdb)
    spec = importlib.util.spec_from_file_location("bench_load", PROJECT_ROOT / "bench" / "bench_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_highest_concurrency_runs_abba_and_the_others_one_round_each() -> None:
    load = bench_load()
    runner = load.Bench.__new__(load.Bench)
    runner.args = argparse.Namespace(rounds=2, concurrency=[10, 50])
    assert runner.order(50) == ["noop", "real", "real", "noop"]
    assert runner.order(10) == ["noop", "real"]
    runner.args = argparse.Namespace(rounds=1, concurrency=[10, 50])
    assert runner.order(50) == ["noop", "real"]


def test_rounds_of_one_side_are_pooled_turn_by_turn() -> None:
    load = bench_load()
    first = load.Phase(mode="real", concurrency=50, latencies=[0.01, 0.02], errors=["x"], off_script=1, wall=10.0,
                       peak_rss_mb=100.0, senders=["a"], cpu_ms_per_turn={"rasa": 20.0, "actions": 4.0})
    second = load.Phase(mode="real", concurrency=50, latencies=[0.03, 0.04, 0.05, 0.06], wall=12.0,
                        peak_rss_mb=120.0, senders=["b"], cpu_ms_per_turn={"rasa": 26.0, "actions": 7.0})
    one = load.merged([first, second])
    assert one.latencies == [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
    assert (one.errors, one.off_script, one.wall, one.peak_rss_mb, one.senders) == (["x"], 1, 22.0, 120.0, ["a", "b"])
    assert one.cpu_ms_per_turn == {"rasa": 24.0, "actions": 6.0}  # weighted by each round's turns
    assert one.summary()["turns"] == 6
