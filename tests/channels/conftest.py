"""Fixtures shared by the channel tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nurture_engine.fakes.slack import FakeSlackApi

SLACK_TOKEN = "xoxb-channel-tests"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    """The protocol-level fake Slack Web API, accepting SLACK_TOKEN."""
    api = FakeSlackApi(token=SLACK_TOKEN)
    await api.start()
    yield api
    await api.stop()
