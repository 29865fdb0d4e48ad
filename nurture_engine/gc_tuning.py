"""Garbage-collector settings for the long-running processes (`nurture serve`, `nurture worker`, the action
server).

CPython collects its youngest generation every 700 new container objects and, now and then, walks every
object the process holds. In a server most of those were built at start-up (modules, settings, compiled
SQL, the app) and live as long as the process: `gc.freeze()` takes them out of every later collection.
The consumer builds a few objects per event (dicts, interactions, rows) that die with their batch; with
the default threshold it collected ~320 times per 20,000 events (10 % of its time, measured with
gc.callbacks in bench/bench_events.py). A young generation of 10,000 objects costs a few megabytes at
most and collects ~15 times less often. Reference cycles are still collected.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)
YOUNG_THRESHOLD = 10_000


def tune_for_service() -> None:
    """Call once, when the process has built what it keeps (just before it starts serving)."""
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
    log.debug("gc: %d start-up objects frozen, thresholds %s", gc.get_freeze_count(), gc.get_threshold())
