"""Shared by the channel tests: the fake Slack Web API (tests/conftest.py's), as `fake`."""

from __future__ import annotations

import pytest

from nurture_engine.fakes.slack import FakeSlackApi

from ..conftest import SLACK_TOKEN

__all__ = ["SLACK_TOKEN"]


@pytest.fixture
def fake(slack: FakeSlackApi) -> FakeSlackApi:
    return slack
