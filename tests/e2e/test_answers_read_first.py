"""On the real stack: an answer the NLU reads as off-topic or a greeting, to a question whose answers the engine
parses itself."""

from __future__ import annotations

import aiohttp

from .responses import asked
from .stack import Stack, Visitor
from .test_qualification import qualify_three


async def test_an_answer_read_as_off_topic_or_a_greeting_answers_the_timeline_question(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Until stop 31 "yesterday" and "whenever" (out of scope) got "that's outside what I can help with", and "H2"
    (a greeting) "I'm still here", each with the question again."""
    for answer, months in (("yesterday", 0), ("whenever", None), ("H2", "any")):
        v = Visitor(sqlite_stack, http)
        await qualify_three(v)
        await v.say("/session_start")
        assert asked(await v.say("hello again")) == ["timeline"]
        replies = await v.say(answer)
        assert asked(replies) == ["email"], (answer, replies)
        timeline = (await v.lead())["profile"]["timeline"]
        assert timeline["label"] == answer and (months == "any" or timeline["months"] == months), timeline
    v = Visitor(sqlite_stack, http)
    await qualify_three(v)
    await v.say("/session_start")
    await v.say("hello again")
    replies = await v.say("hi")  # a greeting that answers nothing is still one
    assert asked(replies) == ["timeline"] and "timeline" not in (await v.lead())["profile"], replies
