"""Helpers for tests of the engine and of code built on it: settings, a frozen clock, a memory store."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .clock import FrozenClock
from .config import Settings, load_settings
from .service import NurtureService
from .store.memory import MemoryLeadStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def test_settings(**env: str) -> Settings:
    """Settings from the project's nurture.yml and only the env given (the real env is ignored)."""
    return load_settings(env=env, root=PROJECT_ROOT)


def memory_service(settings: Settings | None = None, at: datetime = T0) -> tuple[NurtureService, MemoryLeadStore,
                                                                                   FrozenClock]:
    store = MemoryLeadStore()
    clock = FrozenClock(at)
    return NurtureService(store=store, clock=clock, settings=settings or test_settings()), store, clock
