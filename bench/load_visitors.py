"""The load test's simulated visitors (bench/bench_load.py): the qualification script each one holds over Rasa's
REST channel, the measurements of a phase (turn latencies by script step, errors, replies off the script), and
the CPU and memory of the processes under test, read from /proc.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = [("hi", ["use_case"]), ("we need better pipeline forecasting", ["role"]),
          ("I'm the head of revops", ["company_size"]), ("about 450 people", [])]


@dataclass
class Phase:
    mode: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    """The script step of each latency (the same order)."""
    errors: list[str] = field(default_factory=list)
    off_script: int = 0
    wall: float = 0.0
    peak_rss_mb: float = 0.0
    senders: list[str] = field(default_factory=list)
    cpu_ms_per_turn: dict[str, float] = field(default_factory=dict)
    """CPU time per measured turn of each process (group) during the phase."""
    events: dict[str, int] = field(default_factory=dict)
    """The events Rasa logged in one of the phase's conversations (actions by name, slots by slot, others by kind)."""
    profile: dict[str, Any] = field(default_factory=dict)
    """py-spy summary per process (--py-spy)."""

    def summary(self) -> dict[str, Any]:
        ms = sorted(x * 1000 for x in self.latencies)
        pct = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
        return {"mode": self.mode, "concurrency": self.concurrency, "turns": len(ms),
                "turns_per_s": round(len(ms) / self.wall, 1) if self.wall else 0.0,
                "p50_ms": round(pct[49], 1), "p95_ms": round(pct[94], 1), "max_ms": round(ms[-1], 1),
                "p50_ms_by_step": self.p50_by_step(),
                "errors": len(self.errors), "error_samples": self.errors[:3], "off_script": self.off_script,
                "peak_rss_mb": round(self.peak_rss_mb, 1) if self.mode == "real" else None,
                "events_in_one_conversation": self.events, "cpu_ms_per_turn": self.cpu_ms_per_turn,
                **({"py_spy": self.profile} if self.profile else {})}

    def p50_by_step(self) -> list[float]:
        """The median latency (ms) of each step of the script: which turns the phase's p50 comes from."""
        by_step: dict[int, list[float]] = {}
        for step, seconds in zip(self.steps, self.latencies, strict=True):
            by_step.setdefault(step, []).append(seconds * 1000)
        return [round(statistics.median(by_step[s]), 1) for s in sorted(by_step)]


def merged(rounds: list[Phase]) -> Phase:
    """The rounds of one mode and concurrency as one phase: every turn's latency, CPU per turn weighted by turns."""
    one = Phase(mode=rounds[0].mode, concurrency=rounds[0].concurrency, events=rounds[0].events,
                profile=next((r.profile for r in rounds if r.profile), {}))
    for r in rounds:
        one.latencies += r.latencies
        one.steps += r.steps
        one.errors += r.errors
        one.senders += r.senders
        one.off_script += r.off_script
        one.wall += r.wall
        one.peak_rss_mb = max(one.peak_rss_mb, r.peak_rss_mb)
    turns = max(1, len(one.latencies))
    one.cpu_ms_per_turn = {
        name: round(sum(r.cpu_ms_per_turn.get(name, 0.0) * len(r.latencies) for r in rounds) / turns, 1)
        for name in rounds[0].cpu_ms_per_turn}
    return one


class Asked:
    """Which profile fields a reply asks for (from the domain's utter_ask_* texts)."""

    def __init__(self) -> None:
        import yaml

        self.heads: dict[str, str] = {}
        for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
            for name, variants in ((yaml.safe_load(path.read_text()) or {}).get("responses") or {}).items():
                if name.startswith("utter_ask_"):
                    for v in variants:
                        self.heads[v["text"].split("{", 1)[0].strip()] = name.removeprefix("utter_ask_")

    def __call__(self, replies: list[str]) -> list[str]:
        return [field for head, field in self.heads.items() if head and any(r.startswith(head) for r in replies)]


async def converse(http: aiohttp.ClientSession, rasa_url: str, phase: Phase, asked: Asked, n: int,
                   think: float = 0.0, rng: random.Random | None = None) -> None:
    """One visitor: n conversations of the script. With `think` > 0 the visitor reads and types before each
    message, pausing uniformly 0.5-1.5 x `think` seconds, and starts at a random moment of the first pause."""
    rng = rng or random.Random()
    if think:
        await asyncio.sleep(rng.uniform(0, think))
    for c in range(n):
        sender = "load-" + uuid.uuid4().hex[:12]
        phase.senders.append(sender)
        for i, (message, expected) in enumerate(SCRIPT):
            if think and (c or i):
                await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
            start = time.perf_counter()
            try:
                async with http.post(f"{rasa_url}/webhooks/rest/webhook",
                                     json={"sender": sender, "message": message}) as resp:
                    body = await resp.json() if resp.status == 200 else await resp.text()
                    status = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                phase.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            phase.latencies.append(time.perf_counter() - start)
            phase.steps.append(i)
            if status != 200 or not isinstance(body, list):
                phase.errors.append(f"HTTP {status}: {str(body)[:200]}")
            elif asked([str(m.get("text", "")) for m in body]) != expected:
                phase.off_script += 1


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of one process group."""
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ... utime (12), stime (13)
                ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def group_rss_kb(pgids: set[int]) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) not in pgids:
                continue
            with open(f"/proc/{entry.name}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
        except (OSError, ValueError):
            continue  # the process ended while we looked
    return total


async def sample_rss(pgids: set[int], phase: Phase, stop: asyncio.Event) -> None:
    while not stop.is_set():
        phase.peak_rss_mb = max(phase.peak_rss_mb, await asyncio.to_thread(group_rss_kb, pgids) / 1024)
        try:
            await asyncio.wait_for(stop.wait(), 0.1)
        except asyncio.TimeoutError:
            pass
