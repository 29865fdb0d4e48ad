"""On the real stack: a visitor writing another language is told the assistant speaks English."""

from __future__ import annotations

import aiohttp

from .responses import said
from .stack import Stack, Visitor


async def test_a_german_visitor_is_told_the_assistant_speaks_english(sqlite_stack: Stack,
                                                                    http: aiohttp.ClientSession) -> None:
    """Until stop 28 "hallo, sprechen Sie Deutsch?" got "that's outside what I can help with", and a German answer
    to a question got the question again without a word on why."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("hallo, sprechen Sie Deutsch?")
    assert said(replies, "utter_english_only") and not said(replies, "utter_out_of_scope"), replies
    other = Visitor(sqlite_stack, http)
    await other.say("hi")
    replies = await other.say("Wir suchen ein CRM für unser Vertriebsteam")
    assert said(replies, "utter_english_only"), replies
    replies = await other.say("Ich bin der Vertriebsleiter")
    assert not said(replies, "utter_english_only"), replies  # once a session
