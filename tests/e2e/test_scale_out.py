"""Scale-out mode on the real services: two Rasa processes on two ports share conversations through the
PostgreSQL tracker store and the Redis lock store, Rasa's RabbitMQ broker feeds `nurture serve`'s consumer,
and `nurture worker` dispatchers share due follow-ups on PostgreSQL. Switched by configuration only."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from nurture_engine.fakes.recorder import RecordingChannel
from nurture_engine.scheduler.jobs import FollowUpStatus
from nurture_engine.store import tables as t
from nurture_engine.store.engine import async_url
from nurture_engine.testing import count_followups, seed_due_followups

from .responses import asked, said
from .scale_stack import REDIS_DB, REDIS_HOST, REDIS_PORT, ScaleStack
from .stack import ADMIN_TOKEN, RASA_TOKEN, wait_for
from .test_dispatch_crash import config_for

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]
FOLLOWUPS = 300


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory,
          pg_database_factory: Callable[..., str]) -> Iterator[tuple[ScaleStack, RecordingChannel]]:
    var: Path = tmp_path_factory.mktemp("stack-scale")
    recorder = RecordingChannel()
    recorder.start_in_thread()
    stack = ScaleStack(var_dir=var, database_url=pg_database_factory("nurture_scale"),
                       tracker_url=pg_database_factory("nurture_scale_tracker"),
                       config_path=config_for(var, lease_seconds=60),  # nurture.yml's lease; no dispatcher dies
                       recording_url=recorder.record_url)
    try:
        stack.start()
        yield stack, recorder
    finally:
        logs = stack.logs() if stack.supervisor is not None else ""
        stack.stop()
        recorder.stop_thread()
        assert not stack.redis_keys(), "the run's Redis keys are removed"
        if logs and "Traceback" in logs:
            print(logs)


class TwoDoorVisitor:
    """One person whose messages reach one Rasa process or the other (as behind a load balancer)."""

    def __init__(self, stack: ScaleStack, http: aiohttp.ClientSession) -> None:
        self.stack, self.http = stack, http
        self.sender = "scale-" + uuid.uuid4().hex[:12]
        self.sent: list[str] = []

    async def say(self, text: str, door: int) -> list[str]:
        self.sent.append(text)
        async with self.http.post(f"{self.stack.rasa_urls[door]}/webhooks/rest/webhook",
                                  json={"sender": self.sender, "message": text}) as resp:
            assert resp.status == 200, await resp.text()
            return [m.get("text", "") for m in await resp.json()]

    async def tracker(self, door: int) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.stack.rasa_urls[door]}/conversations/{self.sender}/tracker",
                                 params={"token": RASA_TOKEN, "include_events": "ALL"}) as resp:
            assert resp.status == 200, await resp.text()
            return list((await resp.json())["events"])

    async def lead(self) -> dict[str, Any]:
        async with self.http.get(f"{self.stack.serve_url}/api/leads/lookup",
                                 params={"channel": "rest", "sender_id": self.sender},
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
            assert resp.status == 200, await resp.text()
            return dict(await resp.json())


async def counted(stack: ScaleStack, lead_id: str) -> tuple[int, int, int]:
    """(leads.message_count, user message interactions, bot message interactions) in the lead store."""
    engine = create_async_engine(async_url(stack.database_url))
    try:
        async with engine.connect() as conn:
            message_count = (await conn.execute(select(t.leads.c.message_count).where(
                t.leads.c.id == lead_id))).scalar_one()
            kinds = dict((await conn.execute(select(t.interactions.c.kind, func.count()).where(
                t.interactions.c.lead_id == lead_id).group_by(t.interactions.c.kind))).all())
    finally:
        await engine.dispose()
    return int(message_count), int(kinds.get("message", 0)), int(kinds.get("bot_message", 0))


def check_tracker(events: list[dict[str, Any]], sent: list[str], *, any_order: bool = False) -> None:
    """Every event once, in order; each turn's events complete before the next user message. `any_order`:
    the messages were sent at the same moment, so either may have been handled first."""
    users = [e["text"] for e in events if e["event"] == "user"]
    assert (sorted(users) == sorted(sent)) if any_order else (users == sent), (users, sent)
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps), "events are in time order"
    seen = [(e["event"], e["timestamp"], e.get("name"), e.get("text"), str(e.get("value"))) for e in events]
    assert len(seen) == len(set(seen)), "no event is stored twice"
    for i, e in enumerate(events):
        if e["event"] == "user" and i > 0:
            before = [x for x in events[:i] if x["event"] == "action"]
            assert before[-1]["name"] == "action_listen", "a new message only after the previous turn finished"


async def test_one_conversation_alternating_between_two_rasa_processes_stays_consistent(
        scale: tuple[ScaleStack, RecordingChannel], http: aiohttp.ClientSession) -> None:
    stack, _ = scale
    v = TwoDoorVisitor(stack, http)
    script = [("hi", ["use_case"]), ("we need better pipeline forecasting", ["role"]),
              ("I'm the head of revops", ["company_size"]), ("about 450 people", []),
              ("/session_start", None), ("hello again", ["timeline"]), ("this quarter", ["email"]),
              ("ana@globex.com", ["budget"]), ("40k USD a year", [])]
    for turn, (text, expected) in enumerate(script):
        replies = await v.say(text, door=turn % 2)
        if expected is not None:
            assert asked(replies) == expected, (turn, text, replies)
    assert said(replies, "utter_profile_thanks") or asked(replies) == [], replies
    lead = await v.lead()
    assert lead["identities"] == [{"channel": "rest", "sender_id": v.sender}], "one lead for the conversation"
    assert set(lead["profile"]) >= {"use_case", "role", "company_size", "timeline", "email", "budget"}
    assert lead["profile"]["email"] == "ana@globex.com"
    assert all(p["conversation_id"] == v.sender for p in lead["provenance"].values())
    first, second = await v.tracker(0), await v.tracker(1)
    assert first == second, "both processes read the same conversation"
    check_tracker(first, v.sent)
    users = sum(1 for e in first if e["event"] == "user")
    bots = sum(1 for e in first if e["event"] == "bot")

    async def ingested() -> dict[str, Any]:
        got = await counted(stack, lead["id"])
        return {"message_count": got[0], "messages": got[1], "bot_messages": got[2]}

    expected = {"message_count": users, "messages": users, "bot_messages": bots}
    await wait_for(ingested, lambda c: c == expected or c["messages"] > users or c["bot_messages"] > bots,
                   timeout=60)
    await asyncio.sleep(2)  # a late redelivery would show up now
    assert await ingested() == expected


class RedisWatch:
    """Records the Redis commands that touch this run's key prefix (MONITOR), to show Rasa uses the lock store."""

    def __init__(self, prefix: str) -> None:
        import redis

        self.prefix = prefix
        self.commands: list[str] = []
        self._client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RedisWatch:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def _run(self) -> None:
        with self._client.monitor() as monitor:
            self._ready.set()
            for command in monitor.listen():
                text = str(command.get("command", ""))
                if self.prefix in text:
                    self.commands.append(text)
                if self._stop.is_set():
                    return

    def lock_writes(self, sender: str) -> int:
        """How many times Rasa has written this conversation's lock (a ticket issued or returned)."""
        return sum(1 for c in list(self.commands) if c.upper().startswith("SET") and f":lock:{sender}" in c)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._client.get(f"{self.prefix}:wake")  # any command wakes the monitor loop
        self._thread.join(10)
        self._client.close()


async def test_a_message_reaching_the_other_process_mid_turn_waits_for_the_redis_lock(
        scale: tuple[ScaleStack, RecordingChannel], http: aiohttp.ClientSession) -> None:
    """While process A handles a message, the next one of the same conversation reaches process B: B waits for
    A's turn to finish (Redis ticket lock), then continues from A's events."""
    stack, _ = scale
    visitors = [TwoDoorVisitor(stack, http) for _ in range(4)]

    async def overlap(v: TwoDoorVisitor) -> None:
        before = watch.lock_writes(v.sender)
        first = asyncio.create_task(v.say("we need better pipeline forecasting", door=0))
        # A has written its ticket to Redis (a fixed pause was not enough on a busy machine: with four
        # visitors' first messages queued in process A, B's ticket could come first)
        for _ in range(5000):  # at most ~10 s
            if watch.lock_writes(v.sender) > before:
                break
            await asyncio.sleep(0.002)
        assert not first.done(), "the first turn must still be running for the test to mean anything"
        replies = await v.say("how much does it cost?", door=1)
        assert asked(replies) == ["role"], replies  # B saw A's answer: use_case is known
        assert asked(await first) == ["role"]

    with RedisWatch(stack.redis_prefix) as watch:
        for v in visitors:
            await v.say("hi", door=0)
        await asyncio.gather(*(overlap(v) for v in visitors))
    assert any(f"{stack.redis_prefix}:lock:{visitors[0].sender}" in c for c in watch.commands), watch.commands[:5]
    for v in visitors:
        events = await v.tracker(1)
        check_tracker(events, v.sent)
        assert events == await v.tracker(0)
        assert (await v.lead())["profile"]["use_case"] == "better pipeline forecasting"


async def test_messages_reaching_both_processes_at_the_same_moment_are_handled_one_after_the_other(
        scale: tuple[ScaleStack, RecordingChannel], http: aiohttp.ClientSession) -> None:
    """Two messages of one conversation sent to the two processes at once, again and again: the atomic lock
    store (nurture_engine/rasa_locks.py) gives them distinct tickets, so one turn waits for the other and the
    stored conversation has both, each complete. With Rasa 3.6's RedisLockStore both could take the same
    ticket (RasaHQ/rasa#9213) and one turn's events were lost."""
    stack, _ = scale
    visitors = [TwoDoorVisitor(stack, http) for _ in range(6)]
    pairs = [("how much does it cost?", "what integrations do you have?"), ("thanks", "can I see a demo?"),
             ("is there a free trial?", "who are you?")]
    for v in visitors:
        await v.say("hi", door=0)
    for first, second in pairs:
        await asyncio.gather(*(asyncio.gather(v.say(first, door=0), v.say(second, door=1)) for v in visitors))
    for v in visitors:
        events = await v.tracker(0)
        check_tracker(events, v.sent, any_order=True)
        assert events == await v.tracker(1)


async def seeded_ids(url: str, n: int) -> set[str]:
    """The seeded follow-ups: Telegram senders "0".."n-1" (the conversations' own leads are on REST)."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(t.followups.c.id).where(
                t.followups.c.channel == "telegram", t.followups.c.sender_id.in_([str(i) for i in range(n)])))
            return {str(r[0]) for r in rows}
    finally:
        await engine.dispose()


def test_worker_dispatchers_deliver_due_followups_exactly_once(scale: tuple[ScaleStack, RecordingChannel]) -> None:
    """Two `nurture worker` processes (and `nurture serve`'s own dispatcher) race for the same due rows."""
    stack, recorder = scale
    stack.start_workers(2)
    try:
        asyncio.run(seed_due_followups(stack.database_url, FOLLOWUPS))
        ids = asyncio.run(seeded_ids(stack.database_url, FOLLOWUPS))
        assert len(ids) == FOLLOWUPS
        deadline = time.monotonic() + 180
        while not ids <= set(recorder.keys()):
            assert time.monotonic() < deadline, stack.logs()
            time.sleep(0.5)
    finally:
        codes = stack.stop_workers()
    assert codes == [0, 0], stack.logs()
    time.sleep(1)  # a late duplicate would arrive now
    keys = recorder.keys()
    assert all(keys[i] == 1 for i in ids), {i: keys[i] for i in ids if keys[i] != 1}
    assert all(n == 1 for n in keys.values()), "no follow-up (seeded or enrolled by the engine) is sent twice"
    assert asyncio.run(count_followups(stack.database_url, FollowUpStatus.SENT)) >= FOLLOWUPS
