"""On the real stack: an objection said in place of an answer."""

from __future__ import annotations

import aiohttp

from .responses import asked
from .stack import Stack, Visitor


async def test_an_objection_is_answered_and_stored_as_nothing(sqlite_stack: Stack,
                                                              http: aiohttp.ClientSession) -> None:
    """Until stop 31 "it's too expensive for us", said to "what's your role on the team?", was stored as the role
    "It's Too Expensive", and "we already use Clari" to the use-case question as the use case."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("we already use Clari")
    assert any("side-by-side with the tools you use today" in r for r in replies), replies
    assert asked(replies) == ["use_case"], replies
    assert asked(await v.say("pipeline forecasting")) == ["role"]
    replies = await v.say("it's too expensive for us")
    assert any(r.startswith("Fair point: it has to pay for itself") for r in replies), replies
    assert asked(replies) == ["role"], replies
    profile = (await v.lead())["profile"]
    assert "role" not in profile and profile["use_case"] == "pipeline forecasting", profile


async def test_a_request_to_be_sent_information_gets_the_email_question_next(sqlite_stack: Stack,
                                                                            http: aiohttp.ClientSession) -> None:
    """Until stop 31 "ok cool. can you email me more info?" was stored as the use case, and "can you send me some
    info by email?" (read as a content request) got the links and the use-case question again."""
    for text in ("ok cool. can you email me more info?", "can you send me some info by email?"):
        v = Visitor(sqlite_stack, http)
        assert asked(await v.say("hi")) == ["use_case"]
        replies = await v.say(text)
        assert any("https://pipewise.example/guides/forecasting" in r for r in replies), replies
        assert asked(replies) == ["email"], replies
        assert asked(await v.say("sam@initech.example")) == ["use_case"]
        profile = (await v.lead())["profile"]
        assert profile["email"] == "sam@initech.example" and "use_case" not in profile, profile
