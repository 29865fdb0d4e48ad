"""The atomic Redis lock store (nurture_engine/rasa_locks.py) on the running Redis, against Rasa 3.6's own: the
interleaving that gives Rasa's two processes the same ticket is forced, and ours still hands out distinct ones."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.utils.endpoints import read_endpoint_config

from nurture_engine.rasa_locks import AtomicRedisLockStore
from nurture_engine.testing import PROJECT_ROOT

pytestmark = pytest.mark.redis
HOST, PORT, DB = "127.0.0.1", 6379, 0


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own (alphanumeric, as Rasa requires); its keys are removed afterwards."""
    name = f"t{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis(host=HOST, port=PORT, db=DB)
    keys = list(client.scan_iter(f"{name}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def racing(store: RedisLockStore, other: RedisLockStore, conversation: str) -> list[int]:
    """`store` issues a ticket while `other` (another process) issues one between `store`'s read of the lock
    and its write: the read is Rasa's `get_lock`, or for ours the GET on its WATCHed pipeline."""
    tickets: list[int] = []
    raced = False

    def then_the_other(value: Any) -> Any:
        nonlocal raced
        if not raced:
            raced = True
            tickets.append(other.issue_ticket(conversation))
        return value

    read = store.get_lock
    store.get_lock = lambda conversation_id: then_the_other(read(conversation_id))  # type: ignore[method-assign]
    pipeline = store.red.pipeline

    def racing_pipeline(*args: Any, **kwargs: Any) -> Any:
        pipe = pipeline(*args, **kwargs)
        get = pipe.get
        pipe.get = lambda key: then_the_other(get(key))
        return pipe

    store.red.pipeline = racing_pipeline
    try:
        tickets.append(store.issue_ticket(conversation))
    finally:
        del store.get_lock, store.red.pipeline
    return tickets


def stores(kind: type[RedisLockStore], prefix: str) -> tuple[RedisLockStore, RedisLockStore]:
    return (kind(host=HOST, port=PORT, db=DB, key_prefix=prefix),
            kind(host=HOST, port=PORT, db=DB, key_prefix=prefix))


def test_rasas_store_gives_two_processes_the_same_ticket(prefix: str) -> None:
    first, second = stores(RedisLockStore, prefix)
    assert racing(first, second, "c1") == [0, 0]  # the bug this module exists for (RasaHQ/rasa#9213)


def test_ours_gives_them_distinct_tickets_by_trying_again(prefix: str) -> None:
    first, second = stores(AtomicRedisLockStore, prefix)
    tickets = racing(first, second, "c1")
    assert sorted(tickets) == [0, 1]
    assert first.conflicts == 1  # the write was refused once (the key changed), then redone from a fresh read
    lock = first.get_lock("c1")
    assert lock is not None and [t.number for t in lock.tickets] == [0, 1]


def test_returning_a_ticket_keeps_the_others_and_the_last_deletes_the_lock(prefix: str) -> None:
    first, second = stores(AtomicRedisLockStore, prefix)
    a, b = first.issue_ticket("c2"), second.issue_ticket("c2")
    first.cleanup("c2", a)
    lock = second.get_lock("c2")
    assert lock is not None and [t.number for t in lock.tickets] == [b] and lock.now_serving == b
    second.cleanup("c2", b)
    assert second.get_lock("c2") is None
    first.cleanup("c2", b)  # again, or after the lock expired: nothing to do
    assert first.get_lock("c2") is None


def test_finishing_or_expiring_while_another_process_takes_a_ticket_keeps_that_ticket(prefix: str) -> None:
    """finish_serving and update_lock rewrite the lock too: a ticket issued between their read and their write
    must survive (with Rasa's GET-then-SET it is overwritten)."""
    first, second = stores(AtomicRedisLockStore, prefix)
    held = first.issue_ticket("c3")
    issued: list[int] = []
    pipeline = first.red.pipeline

    def racing_pipeline(*args: Any, **kwargs: Any) -> Any:
        pipe = pipeline(*args, **kwargs)
        get, reads = pipe.get, []

        def get_then_issue(key: str) -> Any:
            value = get(key)
            reads.append(key)
            if len(reads) == 1:  # the other process writes between this call's first read and its write
                issued.append(second.issue_ticket("c3"))
            return value

        pipe.get = get_then_issue
        return pipe

    first.red.pipeline = racing_pipeline
    try:
        first.finish_serving("c3", held)
        assert first.conflicts == 1
        first.update_lock("c3")
        assert first.conflicts == 2
    finally:
        del first.red.pipeline
    lock = second.get_lock("c3")
    assert lock is not None and [t.number for t in lock.tickets] == issued == [held + 1, held + 2]


def test_two_processes_never_handle_one_conversation_at_once(prefix: str) -> None:
    """Two clients (threads with their own connections and event loops, as two Rasa processes) take the
    conversation's lock 60 times each as fast as they can; the critical sections never overlap."""
    inside, overlaps, done = [0], [0], [0]
    guard = threading.Lock()

    async def turns(store: RedisLockStore) -> None:
        for _ in range(60):
            async with store.lock("c3", wait_time_in_seconds=0.001):
                with guard:
                    inside[0] += 1
                    overlaps[0] += inside[0] > 1
                await asyncio.sleep(0.001)
                with guard:
                    inside[0] -= 1
                    done[0] += 1

    threads = [threading.Thread(target=asyncio.run, args=(turns(store),)) for store in
               stores(AtomicRedisLockStore, prefix)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert done[0] == 120 and overlaps[0] == 0
    assert redis.Redis(host=HOST, port=PORT, db=DB).get(f"{prefix}:lock:c3") is None  # the last one deleted it


def test_the_scale_out_endpoints_build_it_with_rasas_redis_options(prefix: str, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    path = Path(PROJECT_ROOT) / "bot" / "endpoints.scale.yml"
    for name in re.findall(r"\$\{(\w+)\}", path.read_text()):  # Rasa expands every variable of the file
        monkeypatch.setenv(name, "x")
    for name, value in {"NURTURE_REDIS_HOST": HOST, "NURTURE_REDIS_PORT": str(PORT), "NURTURE_REDIS_DB": str(DB),
                        "NURTURE_REDIS_PREFIX": prefix}.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config(str(path), "lock_store")
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.key_prefix == f"{prefix}:lock:"
    assert store.issue_ticket("c4") == 0
