"""The actions run against the in-memory engine, installed as the action server's service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions import runtime
from nurture_engine.service import NurtureService
from nurture_engine.testing import memory_service


@pytest.fixture
def service() -> Iterator[NurtureService]:
    svc, _, _ = memory_service()
    runtime.install_service(svc)
    yield svc
    runtime.install_service(None)
