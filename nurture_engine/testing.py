"""Helpers for tests of the engine and of code built on it: settings, a frozen clock, a memory store."""

from __future__ import annotations

import importlib.util
import socket
import sys
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

from .clock import FrozenClock
from .config import Settings, load_settings
from .domain import ProfileField
from .profiling import ProfileTurn, VisitState
from .scheduler.jobs import FollowUpStatus
from .service import NurtureService
from .store.memory import MemoryLeadStore

PROJECT_ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (for a process a test or benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_script(relative: str) -> ModuleType:
    """A script of the project (bench/, scripts/) as a module, for tests of its functions: registered under its
    file name (dataclasses look their module up) with its folder on sys.path (scripts import their neighbours)."""
    path = PROJECT_ROOT / relative
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = sys.modules[path.stem] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings(**env: str) -> Settings:
    """Settings from the project's nurture.yml and only the env given (the real env is ignored)."""
    return load_settings(env=env, root=PROJECT_ROOT)


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper: pytest must not collect it where imported


def with_business(**facts: Any) -> Settings:
    """The test settings with some of nurture.yml's business facts replaced ("" for an optional fact left out)."""
    settings = test_settings()
    return replace(settings, business=replace(settings.business, **facts))


def memory_service(settings: Settings | None = None, at: datetime = T0) -> tuple[NurtureService, MemoryLeadStore,
                                                                                   FrozenClock]:
    store = MemoryLeadStore()
    clock = FrozenClock(at)
    return NurtureService(store=store, clock=clock, settings=settings or test_settings()), store, clock


def first_reply(message: str, answers: dict[ProfileField, str], asked: ProfileField = ProfileField.USE_CASE,
                said: tuple[str, ...] = ()) -> ProfileTurn:
    """The profile turn of a new visitor's reply to the visit's first question, `asked`."""
    return ProfileTurn(answers=answers, requested=asked, intent="inform", message=message, said=said,
                       visit=VisitState(known=frozenset(), asked=(asked,)))


async def seed_due_followups(url: str, n: int, *, sender_prefix: str = "", chunk: int = 5000) -> None:
    """n follow-ups of the welcome step due a minute ago in the lead store at `url`, one per Telegram lead
    (so the one-a-day cap holds none back): the load of the crash test and the dispatch benchmark."""
    from .clock import SystemClock
    from .domain import Channel, Identity
    from .scheduler.jobs import Enrollment, FollowUp, SequencePlan
    from .store.sql import SqlLeadStore

    store = SqlLeadStore(url)
    await store.start()
    now = SystemClock().now() - timedelta(minutes=1)
    try:
        for start in range(0, n, chunk):
            leads = await store.create_leads([Identity(channel=Channel.TELEGRAM, sender_id=f"{sender_prefix}{i}")
                                              for i in range(start, min(n, start + chunk))], now)
            plan = SequencePlan()
            for identity, lead in leads.items():
                e = Enrollment(id=uuid.uuid4().hex, lead_id=lead.id, sequence="welcome_drip", variant="a",
                               entered_at=now)
                plan.enrollments.append(e)
                plan.followups.append(FollowUp(id=uuid.uuid4().hex, lead_id=lead.id, enrollment_id=e.id,
                                               sequence="welcome_drip", step="welcome", variant="a",
                                               channel=Channel.TELEGRAM, sender_id=identity.sender_id, due_at=now))
            await store.apply_sequencing(plan)
    finally:
        await store.stop()


async def count_followups(url: str, status: FollowUpStatus) -> int:
    """How many follow-ups in the lead store at `url` have this status."""
    from sqlalchemy import func, select

    from .store import tables as t
    from .store.sql import SqlLeadStore

    store = SqlLeadStore(url)
    await store.start()
    try:
        async with store.engine.connect() as conn:
            n = (await conn.execute(select(func.count()).select_from(t.followups).where(
                t.followups.c.status == status.value))).scalar_one()
    finally:
        await store.stop()
    return int(n)
