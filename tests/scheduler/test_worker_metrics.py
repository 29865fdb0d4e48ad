"""`nurture worker --metrics-port`: a dispatcher process can be scraped like serve (same tokens)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from nurture_engine.fakes.recorder import RecordingChannel
from nurture_engine.store.migrate import upgrade
from nurture_engine.testing import PROJECT_ROOT, free_port, seed_due_followups
from tests.e2e.test_dispatch_crash import config_for, wait_until, worker

N = 20


def scrape(port: int, token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def test_a_worker_counts_its_sends_on_its_own_metrics_port(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nurture.db'}"
    upgrade(url)
    asyncio.run(seed_due_followups(url, N))
    recorder = RecordingChannel()
    recorder.start_in_thread()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "RASA_", "TELEGRAM_", "SLACK_"))}
    env |= {"NURTURE_HOME": str(PROJECT_ROOT), "NURTURE_CONFIG": str(config_for(tmp_path)),
            "NURTURE_DATABASE_URL": url, "NURTURE_RECORDING_URL": recorder.record_url,
            "NURTURE_ADMIN_TOKEN": "admin-token-for-test", "NURTURE_METRICS_TOKEN": "scrape-token-for-test"}
    log = tmp_path / "worker.log"
    proc = worker(env, log, "--metrics-port", str(port))
    try:
        wait_until(lambda: len(recorder.keys()) >= N, 60, f"{N} sends ({log.read_text()[-1500:]})")
        line = 'nurture_followups_total{outcome="sent",channel="telegram"}'
        deadline = time.monotonic() + 20
        status, body = scrape(port, "scrape-token-for-test")
        while f"{line} {N}" not in body and time.monotonic() < deadline:
            time.sleep(0.2)
            status, body = scrape(port, "scrape-token-for-test")
        assert status == 200 and f"{line} {N}" in body, body[-1500:]
        assert scrape(port, "admin-token-for-test")[0] == 200
        assert scrape(port, None)[0] == 401
        assert scrape(port, "wrong")[0] == 403
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(20) == 0, log.read_text()[-3000:]
        recorder.stop_thread()
