"""bench/run_all.py: every goal of the issues is judged from the measured figure, the whole run's time included."""

from __future__ import annotations

from nurture_engine.testing import load_script


def test_goals_judge_each_figure_and_a_step_that_did_not_run_is_undecided() -> None:
    run_all = load_script("bench/run_all.py")
    table = run_all.goals({"total_seconds": 627.1, "turn_p95_ms_50c": 224.4, "load_errors": 0})
    assert table["total_seconds"] == {"goal": "< 600", "measured": 627.1, "met": False}
    assert table["turn_p95_ms_50c"]["met"] is True
    assert table["load_errors"]["met"] is True
    assert table["nlu_intent_macro_f1"] == {"goal": ">= 0.90", "measured": None, "met": None}
    assert run_all.goals({"total_seconds": 599.0})["total_seconds"]["met"] is True
