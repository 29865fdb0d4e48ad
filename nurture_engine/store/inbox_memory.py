"""In-memory web inbox: the fake shipped in the package for unit tests."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from ..inbox import MAX_UNREAD, InboxMessage, check_session_id


class MemoryInboxStore:
    def __init__(self) -> None:
        self.messages: dict[str, InboxMessage] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def post(self, message: InboxMessage) -> InboxMessage:
        return self.messages.setdefault(message.id, message)

    async def unread(self, session_id: str, *, limit: int = MAX_UNREAD) -> list[InboxMessage]:
        check_session_id(session_id)
        found = [m for m in self.messages.values() if m.session_id == session_id and m.read_at is None]
        return sorted(found, key=lambda m: (m.created_at, m.id))[:limit]

    async def mark_read(self, session_id: str, ids: Sequence[str], at: datetime) -> int:
        check_session_id(session_id)
        changed = 0
        for message_id in set(ids):
            message = self.messages.get(message_id)
            if message is not None and message.session_id == session_id and message.read_at is None:
                self.messages[message_id] = dataclasses.replace(message, read_at=at)
                changed += 1
        return changed

    async def erase_session(self, session_id: str) -> int:
        doomed = [k for k, m in self.messages.items() if m.session_id == session_id]
        for key in doomed:
            del self.messages[key]
        return len(doomed)
