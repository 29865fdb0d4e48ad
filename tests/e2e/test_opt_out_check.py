"""The opt-out check on the real stack: an unsure opt-out is asked about; "no" resumes the interrupted question,
"yes" opts out. (`/opt_out@0.45` is Rasa's payload syntax for an intent read with confidence 0.45: the test does
not depend on which phrasings the model happens to read unsurely.)"""

from __future__ import annotations

import aiohttp

from .responses import asked, said
from .stack import Stack, Visitor


async def test_no_to_the_check_resumes_the_interrupted_question(sqlite_stack: Stack,
                                                                http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("/opt_out@0.45")
    assert said(replies, "utter_confirm_opt_out") and asked(replies) == [], replies
    replies = await v.say("No, carry on")
    assert said(replies, "utter_carry_on") and asked(replies) == ["use_case"], replies
    assert asked(await v.say("better lead routing")) == ["role"]
    lead = await v.lead()
    assert lead["consent"]["status"] == "unknown" and lead["profile"]["use_case"] == "better lead routing", lead


async def test_yes_to_the_check_opts_out(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("can I get a demo?")) == ["email"]
    assert said(await v.say("/opt_out@0.45"), "utter_confirm_opt_out")
    replies = await v.say("yes")
    assert said(replies, "utter_opted_out") and asked(replies) == [], replies
    assert (await v.lead())["consent"]["status"] == "opted_out"


async def test_a_question_back_is_not_taken_for_the_answer(sqlite_stack: Stack,
                                                           http: aiohttp.ClientSession) -> None:
    """"what happens next?" to "what would you like help with?" was stored as the use case until stop 22."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("what happens next?")
    assert said(replies, "utter_invalid_question") and asked(replies) == ["use_case"], replies
    assert "use_case" not in (await v.lead())["profile"]
