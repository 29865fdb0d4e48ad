"""The web inbox: follow-ups for website visitors wait here until the widget fetches them.

A web visitor is known only by the widget's session id (Rasa's sender id on the socketio channel); the id is
the capability that lets the widget read its inbox, so it must be long and random.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .errors import NurtureError

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")
MESSAGE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
MAX_TEXT = 4000
MAX_BUTTONS = 10
MAX_BUTTON_TITLE = 80
MAX_BUTTON_PAYLOAD = 1000
MAX_UNREAD = 50
"""At most this many unread messages are returned at once (oldest first)."""


class InvalidInboxInput(NurtureError):
    """Invalid inbox input."""


def check_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise InvalidInboxInput("session_id must be 16 to 128 characters of A-Z, a-z, 0-9, '_' or '-'")
    return session_id


def check_message_id(message_id: object) -> str:
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        raise InvalidInboxInput("a message id must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', ':' or '-'")
    return message_id


@dataclass(frozen=True, kw_only=True)
class InboxButton:
    """A quick reply: the widget shows `title` and sends `payload` to the assistant."""

    title: str
    payload: str

    def __post_init__(self) -> None:
        if not 1 <= len(self.title) <= MAX_BUTTON_TITLE:
            raise InvalidInboxInput(f"a button title must be 1 to {MAX_BUTTON_TITLE} characters")
        if not 1 <= len(self.payload) <= MAX_BUTTON_PAYLOAD:
            raise InvalidInboxInput(f"a button payload must be 1 to {MAX_BUTTON_PAYLOAD} characters")


@dataclass(frozen=True, kw_only=True)
class InboxMessage:
    id: str
    session_id: str
    text: str
    buttons: tuple[InboxButton, ...] = ()
    created_at: datetime
    read_at: datetime | None = None

    def __post_init__(self) -> None:
        check_message_id(self.id)
        check_session_id(self.session_id)
        if not 1 <= len(self.text) <= MAX_TEXT:
            raise InvalidInboxInput(f"an inbox message must have 1 to {MAX_TEXT} characters of text")
        if len(self.buttons) > MAX_BUTTONS:
            raise InvalidInboxInput(f"an inbox message has at most {MAX_BUTTONS} buttons")
        for at in (self.created_at, self.read_at):
            if at is not None and at.tzinfo is None:
                raise ValueError("naive datetimes are refused; pass a timezone-aware datetime")


def new_message(session_id: str, text: str, at: datetime, *, buttons: Sequence[InboxButton] = (),
                message_id: str | None = None) -> InboxMessage:
    """A message to post; pass the delivery's idempotency key as `message_id` so a retry is not stored twice."""
    return InboxMessage(id=message_id or uuid.uuid4().hex, session_id=session_id, text=text,
                        buttons=tuple(buttons), created_at=at)


class InboxStore(Protocol):
    """Where web follow-ups wait. `post` is idempotent on the message id (the sender's idempotency key)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def post(self, message: InboxMessage) -> InboxMessage:
        """Stores the message; if its id is already stored, returns the stored one unchanged."""
        ...

    async def unread(self, session_id: str, *, limit: int = MAX_UNREAD) -> list[InboxMessage]:
        """The session's unread messages, oldest first."""
        ...

    async def mark_read(self, session_id: str, ids: Sequence[str], at: datetime) -> int:
        """Marks those of `ids` that belong to the session and are unread; returns how many changed."""
        ...

    async def erase_session(self, session_id: str) -> int:
        """Deletes every message of the session (lead erasure); returns how many were deleted."""
        ...
