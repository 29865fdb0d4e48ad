"""On the real stack (Rasa server, action server, SQLite store): the demo form's one question, the email. Facts
given instead are kept, two replies that are no address let the request go to the team without one (the form
ends by the validation action's `requested_slot: null`, and the rule records the request), and "no" gets the
meeting link with nothing recorded (stop 30)."""

from __future__ import annotations

import aiohttp

from .responses import asked, said
from .stack import Stack, Visitor


async def test_facts_then_a_second_non_address_send_the_request_without_an_email(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("can I get a demo?")) == ["email"]
    replies = await v.say("ok. I'm Dana from Acme, head of revops")
    assert said(replies, "utter_noted_name") and asked(replies) == ["email"], replies
    replies = await v.say("we're about 300 people")
    assert said(replies, "utter_demo_booked_no_email") and asked(replies) == [], replies
    lead = await v.lead()
    assert lead["profile"]["company"] == "Acme" and lead["profile"]["name"] == "Dana", lead
    assert lead["profile"]["company_size"] == {"min": 300, "max": 300}, lead
    assert lead["demo_requested_at"] is not None and "email" not in lead["profile"], lead


async def test_no_to_the_email_question_gets_the_link_and_records_nothing(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("can I get a demo?")) == ["email"]
    replies = await v.say("no, I'd rather not")
    assert said(replies, "utter_demo_declined") and asked(replies) == [], replies
    assert (await v.lead())["demo_requested_at"] is None
