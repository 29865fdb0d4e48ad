"""The privacy tools from the command line and the serve process: `nurture export / erase / retention`, the
retention job that `nurture serve` runs, and erase's confirmation at a terminal."""

from __future__ import annotations

import asyncio
import csv
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from nurture_engine.config import Retention
from nurture_engine.errors import LeadNotFound
from nurture_engine.rasa_stores import RasaTrackerEvents
from nurture_engine.stack import bin_path
from nurture_engine.testing import PROJECT_ROOT, T0

from . import test_privacy as privacy
from .test_privacy import ANA, EMAIL, NAME, OLD, World, seed

urls, world = privacy.urls, privacy.world  # the fixtures: the SQLite and PostgreSQL worlds


async def nurture_cli(urls: dict[str, str], *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "RASA_"))}
    env.update(NURTURE_DATABASE_URL=urls["leads"], NURTURE_TRACKER_URL=urls["tracker"],
               NURTURE_EVENTS_URL=urls["events"], NURTURE_HOME=str(PROJECT_ROOT))
    proc = await asyncio.create_subprocess_exec(bin_path("nurture"), *args, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return int(proc.returncode or 0), out.decode(), err.decode()


async def test_cli_export_erase_and_retention(world: World, tmp_path: Path) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    code, out, err = await nurture_cli(world.urls, "leads", "export", "--format", "csv")
    assert code == 0 and "exported 2 leads" in err
    rows = {r["id"]: r for r in csv.DictReader(out.splitlines())}
    assert rows[lead_id]["email"] == EMAIL and rows[lead_id]["name"] == NAME and rows[lead_id]["channels"] == "web"
    assert rows[lead_id]["consent"] == "opted_in" and datetime.fromisoformat(rows[lead_id]["created_at"]) == OLD
    target = tmp_path / "leads.json"
    code, _, _ = await nurture_cli(world.urls, "leads", "export", "--format", "json", "--output", str(target))
    records = {r["lead"]["id"]: r for r in json.loads(target.read_text())}
    assert code == 0 and len(records[lead_id]["tracker_store"]) == 4
    code, out, _ = await nurture_cli(world.urls, "retention", "run", "--now", (T0 + timedelta(days=10)).isoformat())
    assert code == 0 and json.loads(out)["deleted"]["tracker_store.events"] == 2
    code, out, _ = await nurture_cli(world.urls, "leads", "erase", lead_id)  # no terminal: no question asked
    assert code == 0 and json.loads(out)["erased"] is True
    with pytest.raises(LeadNotFound):
        await world.service.get_lead(lead_id)


async def test_the_serve_retention_job_runs_until_stopped(world: World) -> None:
    from nurture_engine.api.privacy_routes import run_retention

    world.clock.set(T0 + timedelta(days=10))
    stop = asyncio.Event()
    job = asyncio.create_task(run_retention(world.privacy, Retention(conversations_days=180), stop))
    tracker = RasaTrackerEvents(world.urls["tracker"])
    await tracker.start()
    try:
        for _ in range(100):
            if len(await tracker.events_for([ANA.sender_id])) == 2:
                break
            await asyncio.sleep(0.05)
        assert next(e["event"]["text"] for e in await tracker.events_for([ANA.sender_id])).startswith("I'm")
        assert not job.done()  # waits for the next hourly run
    finally:
        stop.set()
        await asyncio.wait_for(job, 5)
        await tracker.stop()


async def test_cli_erase_at_a_terminal_asks_for_the_id_first(world: World) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NURTURE_", "RASA_"))}
    env.update(NURTURE_DATABASE_URL=world.urls["leads"], NURTURE_TRACKER_URL=world.urls["tracker"],
               NURTURE_EVENTS_URL=world.urls["events"], NURTURE_HOME=str(PROJECT_ROOT))
    controller, terminal = os.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(bin_path("nurture"), "leads", "erase", lead_id, env=env,
                                                    stdin=terminal, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        os.write(controller, b"not-the-id\n")
        _, err = await proc.communicate()
    finally:
        os.close(controller)
        os.close(terminal)
    assert proc.returncode == 2 and "Type the lead id to confirm" in err.decode() and "nothing erased" in err.decode()
    assert (await world.service.get_lead(lead_id)).id == lead_id  # still there
