from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest

from nurture_engine.fakes.slack import FakeSlackApi

from .browser import browser  # noqa: F401 - the headless chromium fixture of the browser tests
from .slack_user import SALES_CHANNEL, SECRET, TOKEN
from .stack import Stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _run(stack: Stack) -> Iterator[Stack]:
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def sqlite_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var = tmp_path_factory.mktemp("stack-sqlite")
    yield from _run(Stack(var_dir=var, database_url=f"sqlite:///{var / 'nurture.db'}",
                          tracker_url=f"sqlite:///{var / 'tracker.db'}", events_url=f"sqlite:///{var / 'events.db'}"))


@pytest.fixture(scope="session")
def pg_stack(tmp_path_factory: pytest.TempPathFactory, pg_database_factory: Callable[..., str]) -> Iterator[Stack]:
    var: Path = tmp_path_factory.mktemp("stack-pg")
    yield from _run(Stack(var_dir=var, database_url=pg_database_factory("nurture_e2e"),
                          tracker_url=pg_database_factory("nurture_e2e_tracker"),
                          events_url=pg_database_factory("nurture_e2e_events")))


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


@pytest.fixture(scope="session")
def slack_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, FakeSlackApi]]:
    fake = FakeSlackApi(token=TOKEN)
    fake_url = fake.start_in_thread()
    var = tmp_path_factory.mktemp("stack-slack")
    stack = Stack(var_dir=var, database_url=f"sqlite:///{var / 'nurture.db'}",
                  tracker_url=f"sqlite:///{var / 'tracker.db'}", events_url=f"sqlite:///{var / 'events.db'}",
                  extra_env={"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
                             "SLACK_API_BASE_URL": f"{fake_url}/api/",
                             "SLACK_SALES_CHANNEL": SALES_CHANNEL})
    try:
        for running in _run(stack):
            yield running, fake
    finally:
        fake.stop_thread()
