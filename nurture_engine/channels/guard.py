"""A guard in front of Rasa's message handler, for every input channel we register.

Rasa's SQL tracker store ends the whole server (`print_error_and_exit`) when a query fails, and a sender id
fails the query when it cannot be encoded (a lone UTF-16 surrogate such as "\\ud800"), holds a NUL byte
(PostgreSQL) or is longer than the tracker's column (255). One hostile request would stop the assistant for
everybody; the guard drops such messages (logged) before Rasa looks the conversation up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)
MAX_SENDER = 255
MAX_TEXT = 4000


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sender_problem(sender_id: Any) -> str | None:
    """Why Rasa's tracker store could not take this sender id, or None."""
    if not isinstance(sender_id, str) or not sender_id:
        return "the sender id is empty or not a string"
    if len(sender_id) > MAX_SENDER:
        return f"the sender id is longer than {MAX_SENDER} characters"
    if not encodable(sender_id):
        return "the sender id is not valid Unicode (lone surrogate)"
    if any(ord(c) < 32 or ord(c) == 127 for c in sender_id):
        return "the sender id holds control characters"
    return None


def text_problem(text: Any, max_text: int = MAX_TEXT) -> str | None:
    if text is not None and not isinstance(text, str):
        return "the message is not text"
    if text and len(text) > max_text:
        return f"the message is longer than {max_text} characters"
    if text and not encodable(text):
        return "the message is not valid Unicode (lone surrogate)"
    return None


def guarded(on_new_message: Callable[[Any], Awaitable[Any]], channel: str, *,
            max_text: int = MAX_TEXT) -> Callable[[Any], Awaitable[Any]]:
    """`on_new_message` that drops (and logs) a message Rasa could not store, or longer than `max_text`."""

    async def handle(message: Any) -> Any:
        problem = sender_problem(message.sender_id) or text_problem(message.text, max_text)
        if problem is not None:
            log.warning("%s: message dropped: %s", channel, problem)
            return None
        return await on_new_message(message)

    return handle
