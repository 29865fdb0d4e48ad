"""The long-running processes' GC settings (nurture_engine/gc_tuning.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from nurture_engine.gc_tuning import YOUNG_THRESHOLD, tune_for_service


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_objects_are_frozen_and_the_young_generation_is_larger() -> None:
    gc.set_threshold(700, 10, 10)
    kept: list[object] = [["built at start-up"]]
    tune_for_service()
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(kept) and all(o is not kept for o in gc.get_objects())  # in no generation collected
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)


@pytest.mark.usefixtures("restored_gc")
def test_cycles_are_still_collected() -> None:
    tune_for_service()

    class Node:
        other: object

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2


@pytest.mark.usefixtures("restored_gc")
def test_a_larger_threshold_set_by_the_operator_is_kept() -> None:
    gc.set_threshold(50_000, 10, 10)
    tune_for_service()
    assert gc.get_threshold()[0] == 50_000
