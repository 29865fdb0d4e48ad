from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import settings as hypothesis_settings

from nurture_engine.fakes.slack import FakeSlackApi

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

# CI runs the property tests on a fixed set of examples (a red build must be reproducible); locally
# they keep exploring new ones
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_ADMIN_URL = os.environ.get("NURTURE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def pg_database_factory() -> Iterator[object]:
    """Creates throw-away PostgreSQL databases (unique names, dropped at the end of the run)."""
    created: list[str] = []

    def make(prefix: str = "nurture_test") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn = _pg_admin()
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        created.append(name)
        base = PG_ADMIN_URL.rsplit("/", 1)[0]
        return f"{base}/{name}"

    yield make
    conn = _pg_admin()
    with conn.cursor() as cur:
        for name in created:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


SLACK_TOKEN = "xoxb-test-token"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    """The protocol-level fake Slack Web API (accepting SLACK_TOKEN): alerts, channel output, the fake itself."""
    api = FakeSlackApi(token=SLACK_TOKEN)
    await api.start()
    yield api
    await api.stop()
