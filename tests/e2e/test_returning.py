"""On the real stack: a returning visitor whose name we know is welcomed by it, and not asked what we know."""

from __future__ import annotations

import aiohttp

from .responses import asked
from .stack import Stack, Visitor


async def test_a_returning_visitor_is_welcomed_by_name(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Until stop 28 a new session's "hi" from a visitor whose name was stored got "Welcome back!" only."""
    v = Visitor(sqlite_stack, http)
    await v.say("hi")
    await v.say("Priya here, VP sales at Lumen Freight")
    await v.say("/session_start")  # a new session, as after the session expiry
    replies = await v.say("hi")
    assert any(r.startswith("Welcome back, Priya!") for r in replies), replies
    assert not {"name", "role", "company"} & set(asked(replies)), replies
