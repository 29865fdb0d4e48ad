"""Crash test: kill -9 a dispatcher in the middle of 10,000 due follow-ups on a recording channel.
After a restart every follow-up is delivered; the only repeats are sends the killed one had in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from nurture_engine.fakes.recorder import RecordingChannel
from nurture_engine.scheduler.jobs import FollowUpStatus
from nurture_engine.store.migrate import upgrade
from nurture_engine.testing import PROJECT_ROOT, count_followups, seed_due_followups

N = 10_000


def config_for(tmp: Path, lease_seconds: int = 3) -> Path:
    """The project's nurture.yml with quiet hours off (the test must not depend on the time of day)."""
    raw = yaml.safe_load((PROJECT_ROOT / "nurture.yml").read_text())
    raw["quiet_hours"] = {"start": "00:00", "end": "00:00", "timezone": "UTC"}
    raw["retries"] = {"max_attempts": 8, "backoff_seconds": 0.2, "backoff_max_seconds": 2,
                      "lease_seconds": lease_seconds}
    path = tmp / "nurture.yml"
    path.write_text(yaml.safe_dump(raw))
    return path


def worker(env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen[bytes]:
    nurture = str(Path(sys.executable).with_name("nurture"))
    return subprocess.Popen([nurture, "worker", "--batch", "200", "--idle", "0.2", *extra], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_until(ok: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_killed_dispatcher_loses_nothing(db: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if db == "sqlite":
        url = f"sqlite:///{tmp_path / 'nurture.db'}"
    else:
        url = request.getfixturevalue("pg_database_factory")("crash")
    upgrade(url)
    asyncio.run(seed_due_followups(url, N))
    recorder = RecordingChannel()
    recorder.start_in_thread()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "RASA_", "TELEGRAM_", "SLACK_"))}
    env |= {"NURTURE_HOME": str(PROJECT_ROOT), "NURTURE_CONFIG": str(config_for(tmp_path)),
            "NURTURE_DATABASE_URL": url, "NURTURE_RECORDING_URL": recorder.record_url}
    log = tmp_path / "worker.log"
    try:
        first = worker(env, log)
        wait_until(lambda: len(recorder.calls) >= N // 3, 120, "a third of the sends")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        in_flight = asyncio.run(count_followups(url, FollowUpStatus.SENDING))
        sent_before = len(recorder.calls)
        assert 0 < sent_before < N, "the kill must land mid-way"
        second = worker(env, log)
        try:
            wait_until(lambda: len(recorder.keys()) >= N, 180, f"all {N} follow-ups ({log.read_text()[-2000:]})")
            wait_until(lambda: asyncio.run(count_followups(url, FollowUpStatus.SENT)) == N, 30, "every row marked sent")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(20) == 0, log.read_text()[-3000:]
    finally:
        recorder.stop_thread()
    keys = recorder.keys()
    duplicates = sum(n - 1 for n in keys.values())
    assert len(keys) == N  # none lost
    assert duplicates <= in_flight, (duplicates, in_flight)  # repeats only among the killed one's claimed rows
    assert duplicates <= 32, duplicates  # ... and only its one group of concurrent sends (Dispatcher concurrency)
    assert asyncio.run(count_followups(url, FollowUpStatus.SENDING)) == 0
    print(f"\n{db}: killed after {sent_before} sends with {in_flight} in flight; {duplicates} sent twice")
