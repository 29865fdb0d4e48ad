"""Shared by the engine tests: the fake Slack Web API that alerts are posted to."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nurture_engine.fakes.slack import FakeSlackApi

TOKEN, CHANNEL = "xoxb-alerts-test", "C0SALES"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(token=TOKEN)
    await api.start()
    yield api
    await api.stop()
