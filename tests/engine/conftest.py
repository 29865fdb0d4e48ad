"""Shared by the engine tests: the token and channel of the fake Slack Web API that alerts are posted to (the
`slack` fixture is tests/conftest.py's)."""

from __future__ import annotations

from ..conftest import SLACK_TOKEN as TOKEN

CHANNEL = "C0SALES"

__all__ = ["CHANNEL", "TOKEN"]
