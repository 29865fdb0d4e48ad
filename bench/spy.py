"""py-spy profiles of the stack's processes during a load-test phase, summarised by where the time goes.

`bench_load.py --py-spy DIR` records each process of the real phase at the highest concurrency (and Rasa in
the no-op phase too) for `--py-spy-seconds`, 50 samples/s, writes py-spy's raw (collapsed-stack) files to DIR
and adds a summary to the JSON: per process, the share of CPU samples in each category. py-spy samples only
threads that are running, so idle waiting (select, aiosqlite's queue) is left out.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from pathlib import Path

# (category, substrings of a stack that put a sample in it), first match wins
RASA = [("tracker store + SQL broker", ("tracker_store.py", "brokers/")),
        ("action response validation", ("_validate_action_result", "jsonschema")),
        ("NLU parse", ("parse_message", "/rasa/nlu/")),
        ("policy prediction", ("predict_next", "/policies/", "_predict")),
        ("action calls and forms", ("core/actions/action.py", "core/actions/forms.py", "core/actions/loops.py")),
        ("channel and HTTP", ("core/channels", "sanic/", "aiohttp/"))]
ENGINE = [("SQL driver threads (aiosqlite/asyncpg)", ("aiosqlite/core.py", "asyncpg/")),
          ("lead store reads", ("get_lead", "lead_for_identity", "_load", "leads_for_scoring", "sequencing_state")),
          ("lead store writes", ("set_field", "add_interaction", "commit_ingest", "apply_sequencing", "add_refusal")),
          ("scoring and stages", ("scoring.py", "stages.py", "lead_engine.py")),
          ("behaviour consumer", ("nurture_engine/events.py", "nurture_engine/events_rabbit.py")),
          ("dispatcher", ("nurture_engine/scheduler/",)),
          ("HTTP server and rasa_sdk (request and tracker parsing)", ("rasa_sdk/", "sanic/", "aiohttp/")),
          ("SQLAlchemy core", ("sqlalchemy/",))]
IDLE = ("runners.py:155", "select (selectors.py", "_run_once (asyncio/base_events.py", "aiosqlite/core.py:59")


def available() -> bool:
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) is not None


async def record(pids: dict[str, int], seconds: float, out: Path, suffix: str = "") -> dict[str, Path]:
    """Records every process at once; returns the raw file of each one py-spy could attach to."""
    spy = str(Path(sys.executable).with_name("py-spy"))
    await asyncio.to_thread(out.mkdir, parents=True, exist_ok=True)
    files = {name: out / f"{name}{suffix}.txt" for name in pids}
    procs = [await asyncio.create_subprocess_exec(
        spy, "record", "--rate", "50", "--duration", str(int(seconds)), "--format", "raw", "--output",
        str(files[name]), "--pid", str(pid), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        for name, pid in pids.items()]
    await asyncio.gather(*(p.wait() for p in procs))
    found = await asyncio.to_thread(lambda: {name: path for name, path in files.items() if path.exists()})
    return found


def summarise(path: Path, categories: list[tuple[str, tuple[str, ...]]]) -> dict[str, object]:
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit() or any(idle in stack.split(";")[-1] for idle in IDLE):
            continue
        counts[next((name for name, marks in categories if any(m in stack for m in marks)), "other")] += int(n)
    total = sum(counts.values())
    return {"cpu_samples": total, "seconds_of_cpu": round(total / 50, 1),
            "share": {k: round(v / total, 3) for k, v in counts.most_common()} if total else {}}
