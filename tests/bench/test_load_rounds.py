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


def test_the_saturated_rounds_are_reported_apart_with_their_errors_and_memory() -> None:
    """--saturated runs a no-op and a real round with no pause after the paced phases, on the same Rasa process."""
    load = bench_load()
    noop = load.Phase(mode="noop", concurrency=50, latencies=[1.0, 2.0, 3.0], steps=[0, 1, 2], wall=3.0,
                      errors=["HTTP 500: x"])
    real = load.Phase(mode="real", concurrency=50, latencies=[1.5, 2.5, 3.5], steps=[0, 1, 2], wall=6.0,
                      off_script=2, peak_rss_mb=150.04)
    out = load.Bench.report_saturated(noop, real)
    assert out["saturated_turns_per_s_50c"] == 0.5
    assert (out["saturated_turn_p50_ms_50c"], out["saturated_noop_p50_ms_50c"]) == (2500.0, 2000.0)
    assert out["saturated_turn_p50_ratio_50c"] == 1.25
    assert (out["saturated_errors"], out["saturated_off_script"], out["saturated_engine_rss_mb"]) == (1, 2, 150.0)
    assert [p["mode"] for p in out["saturated_phases"]] == ["noop", "real"]
