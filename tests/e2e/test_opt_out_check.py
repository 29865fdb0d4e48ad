"""On the real stack: an unsure opt-out is asked about ("no" resumes the interrupted question, "yes" opts out),
a question put back is no answer, and a first message with facts is greeted by name. (`/opt_out@0.45` is Rasa's
payload syntax for an intent read with confidence 0.45: the tests do not depend on which phrasings the model
happens to read unsurely.)"""

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
    """"what happens next?" to "what would you like help with?" was stored as the use case until stop 22 (it has
    an intent of its own now: test_next_steps.py). Another question put back goes the same way, whichever way the
    model reads it: out_of_scope (its own rule), the fallback, or an answer that the action turns down."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("where are you based?")
    assert any(said(replies, r) for r in ("utter_invalid_question", "utter_out_of_scope", "utter_default")), replies
    assert asked(replies) == ["use_case"], replies
    assert "use_case" not in (await v.lead())["profile"]


async def test_an_introduction_with_a_need_is_greeted_by_name_and_not_asked_the_need(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """The greeting's {name} is filled by the Rasa server; the need comes from `volunteered.stated_need`."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("Hi, I'm Dana from Initech, we need to stop losing deals in our pipeline")
    assert any(r.startswith("Nice to meet you, Dana!") for r in replies), replies
    assert said(replies, "utter_greet_by_name") and "use_case" not in asked(replies), replies
    profile = (await v.lead())["profile"]
    assert profile["use_case"] == "stop losing deals in our pipeline" and profile["company"] == "Initech", profile
