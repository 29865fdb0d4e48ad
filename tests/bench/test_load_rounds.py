"""bench/bench_load.py: the order of the no-op and real rounds, and how a side's rounds are pooled."""

from __future__ import annotations

import argparse
from types import ModuleType

from nurture_engine.testing import load_script


def bench_load() -> ModuleType:
    return load_script("bench/bench_load.py")


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
    first = load.Phase(mode="real", concurrency=50, latencies=[0.01, 0.02], steps=[0, 1], errors=["x"], off_script=1,
                       wall=10.0, peak_rss_mb=100.0, senders=["a"], cpu_ms_per_turn={"rasa": 20.0, "actions": 4.0})
    second = load.Phase(mode="real", concurrency=50, latencies=[0.03, 0.04, 0.05, 0.06],
                        steps=[0, 1, 0, 1], wall=12.0,
                        peak_rss_mb=120.0, senders=["b"], cpu_ms_per_turn={"rasa": 26.0, "actions": 7.0})
    one = load.merged([first, second])
    assert one.latencies == [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
    assert (one.errors, one.off_script, one.wall, one.peak_rss_mb, one.senders) == (["x"], 1, 22.0, 120.0, ["a", "b"])
    assert one.cpu_ms_per_turn == {"rasa": 24.0, "actions": 6.0}  # weighted by each round's turns
    assert one.summary()["turns"] == 6
    assert one.summary()["p50_ms_by_step"] == [30.0, 40.0]  # step 0: 10, 30, 50 ms; step 1: 20, 40, 60 ms
