"""Rasa's Redis lock store with atomic ticket changes (bot/endpoints.scale.yml names it).

Rasa 3.6's `RedisLockStore` changes a conversation's ticket lock with a GET, then a SET (RasaHQ/rasa#9213).
Two processes receiving a message of the same conversation at the same moment both read the lock, both
append ticket n and both write it back: both hold ticket n and handle their messages at once, and the SQL
tracker store then keeps one turn's events and drops the other's. Returning a ticket has the same race: a
ticket issued between the read and the write is lost, or the lock is deleted under a waiting process.

Here every read-modify-write of a lock is one optimistic Redis transaction: WATCH the key, read it, change
it, MULTI/EXEC the write, and again from the read if another process changed the key in between. Ticket
numbers are unique, and a lock is deleted only when nobody holds a ticket. Waiting for a ticket's turn,
lifetimes and key names are Rasa's own (the lock's JSON is the same, so processes of either kind can share
a Redis while one is being replaced).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from redis.exceptions import WatchError

log = logging.getLogger(__name__)
T = TypeVar("T")
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):  # type: ignore[misc]  # Rasa is untyped
    """`lock_store: {type: nurture_engine.rasa_locks.AtomicRedisLockStore, url, port, db, key_prefix, ...}`
    takes the options of Rasa's `type: redis`."""

    def __init__(self, endpoint_config: Any = None, **options: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its class
            options = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **options}
        super().__init__(**options)
        self.conflicts = 0  # transactions tried again because another process changed the lock

    def _change(self, conversation_id: str, change: Change[T]) -> T:
        """Applies `change` (the lock or None -> the new lock or None to delete it, and a result) atomically."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new, result = change(lock)
                    if new is None and lock is None:
                        pipe.unwatch()
                        return result
                    pipe.multi()
                    if new is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new.dumps())
                    pipe.execute()
                    return result
                except WatchError:
                    self.conflicts += 1
                    log.debug("lock of conversation %s changed by another process; trying again", conversation_id)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock | None) -> tuple[TicketLock | None, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as exc:  # as Rasa's: the message is refused rather than handled unlocked
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Returns the ticket, and deletes the lock if no other ticket is held, in one transaction."""
        def finish(lock: TicketLock | None) -> tuple[TicketLock | None, bool]:
            if lock is None:
                return None, False
            lock.remove_ticket_for(ticket_number)
            return (lock, False) if lock.is_someone_waiting() else (None, True)

        if self._change(conversation_id, finish):
            self._log_deletion(conversation_id, True)
