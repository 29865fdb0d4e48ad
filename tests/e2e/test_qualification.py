"""Whole-stack conversations over the REST channel; assertions on the lead store, not only replies."""

from __future__ import annotations

import aiohttp
import pytest

from nurture_engine.testing import test_settings

from .responses import asked, said
from .stack import Stack, Visitor

PRICING = test_settings().business.pricing


async def qualify_three(v: Visitor) -> None:
    replies = await v.say("hi")
    assert said(replies, "utter_greet") and asked(replies) == ["use_case"], replies
    replies = await v.say("we need better pipeline forecasting")
    assert asked(replies) == ["role"], replies
    replies = await v.say("I'm the head of revops")
    assert asked(replies) == ["company_size"], replies
    replies = await v.say("about 450 people")
    assert asked(replies) == [], replies  # the visit's budget of 3 questions is spent
    assert said(replies, "utter_profile_thanks"), replies


async def check_typed_lead(v: Visitor) -> None:
    lead = await v.lead()
    profile = lead["profile"]
    assert profile["use_case"] == "better pipeline forecasting"
    assert profile["role"] == {"title": "Head of Revenue Operations", "seniority": "director"}
    assert profile["company_size"] == {"min": 450, "max": 450}
    assert lead["identities"] == [{"channel": "rest", "sender_id": v.sender}]
    assert lead["provenance"]["company_size"]["conversation_id"] == v.sender


async def test_qualification_on_sqlite_fills_a_typed_lead(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    await qualify_three(v)
    await check_typed_lead(v)


@pytest.mark.postgres
async def test_qualification_on_postgres_fills_a_typed_lead(pg_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(pg_stack, http)
    await qualify_three(v)
    await check_typed_lead(v)


async def test_a_second_session_asks_only_unknown_fields(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    await qualify_three(v)
    await v.say("/session_start")
    replies = await v.say("hello again")
    assert asked(replies) == ["timeline"], replies
    replies = await v.say("this quarter")
    assert asked(replies) == ["email"], replies
    replies = await v.say("ana at globex")
    assert said(replies, "utter_invalid_email_missing_at") and asked(replies) == ["email"], replies
    replies = await v.say("ana at Globex dot com")  # spelled out: an address since stop 33
    assert asked(replies) == ["budget"], replies
    replies = await v.say("40k USD a year")
    assert asked(replies) == [], replies
    profile = (await v.lead())["profile"]
    assert profile["email"] == "ana@globex.com"
    assert profile["budget"] == {"amount": 40000, "max": None, "currency": "USD", "period": "year"}
    assert profile["timeline"]["months"] >= 0
    assert {"use_case", "role", "company_size"} <= set(profile)


async def test_digressions_are_answered_and_the_question_resumes(sqlite_stack: Stack,
                                                                 http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    await v.say("hey there")
    replies = await v.say("how much does it cost?")
    assert PRICING in replies and asked(replies) == ["use_case"], replies
    replies = await v.say("why do you ask?")
    assert said(replies, "utter_explain_use_case") and asked(replies) == ["use_case"], replies
    replies = await v.say("are you a bot?")
    assert said(replies, "utter_iamabot") and asked(replies) == ["use_case"], replies
    replies = await v.say("ok thanks")
    assert said(replies, "utter_welcome_mid_question") and asked(replies) == ["use_case"], replies
    replies = await v.say("cleaning up our CRM data")
    assert asked(replies) == ["role"], replies


async def test_an_introduction_with_a_need_said_to_the_use_case_question_gives_that_need(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Rasa took the whole message for the use case until stop 25."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    await v.say("I'm Sofia, RevOps lead at Initech (about 800 people) and we need better forecasting by Q2")
    profile = (await v.lead())["profile"]
    assert profile["use_case"] == "better forecasting by Q2", profile
    assert (profile["name"], profile["company"], profile["company_size"]["min"]) == ("Sofia", "Initech", 800), profile


async def test_facts_given_before_and_after_the_questions_are_taken_not_met_with_the_fallback(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    replies = await v.say("I'm Ana, CTO at Globex")  # no greeting first
    assert not said(replies, "utter_default") and asked(replies) == ["use_case"], replies
    assert (await v.lead())["profile"]["role"]["seniority"] == "c_level"
    done = Visitor(sqlite_stack, http)
    await qualify_three(done)
    replies = await done.say("my email is kim@globex.com")  # after the visit's questions
    assert said(replies, "utter_noted") and not said(replies, "utter_default"), replies
    assert (await done.lead())["profile"]["email"] == "kim@globex.com"


async def test_a_question_after_the_visits_questions_is_answered_without_a_stray_acknowledgement(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """The profile form starts again after the answer and re-validates every filled slot: nothing new was said,
    so no "Thanks, noted."; the stored facts keep their provenance."""
    v = Visitor(sqlite_stack, http)
    await qualify_three(v)
    before = (await v.lead())["provenance"]["use_case"]
    replies = await v.say("do you integrate with hubspot?")
    assert any("HubSpot" in r for r in replies) and not said(replies, "utter_noted"), replies
    assert (await v.lead())["provenance"]["use_case"] == before


async def test_a_refusal_is_accepted_and_not_asked_again(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    await v.say("hi")
    replies = await v.say("I'd rather not say")
    assert said(replies, "utter_refusal_ok") and asked(replies) == ["role"], replies
    replies = await v.say("CTO")
    assert asked(replies) == ["company_size"], replies
    lead = await v.lead()
    assert lead["refused"] == ["use_case"]
    assert lead["profile"]["role"]["title"] == "Chief Technology Officer"


async def test_a_demo_request_collects_the_email_and_is_recorded(sqlite_stack: Stack,
                                                                 http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    replies = await v.say("can I book a demo?")
    assert asked(replies) == ["email"], replies
    replies = await v.say("lena@hooli.io")
    assert said(replies, "utter_demo_booked"), replies
    assert any(test_settings().business.meeting_link in r for r in replies)
    lead = await v.lead()
    assert lead["profile"]["email"] == "lena@hooli.io"
    assert lead["demo_requested_at"] is not None


async def test_an_introduction_that_asks_for_a_demo_is_a_demo_request_with_every_fact_kept(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """One long message with who they are, how big, how soon, and a demo ask: the demo is offered (not a profiling
    question), and the facts the NLU found and those stated in passing are all on the lead."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("Hello, I'm Jordan Reyes, VP of Sales at Fernhill Analytics, we're about 350 employees and "
                          "hope to roll something out next quarter. Could you set up a demo for us?")
    assert said(replies, "utter_demo_intro") and asked(replies) == ["email"], replies
    replies = await v.say("jordan@fernhill.io")
    assert said(replies, "utter_demo_booked"), replies
    lead = await v.lead()
    assert lead["stage"] == "sql" and lead["demo_requested_at"] is not None, lead
    profile = lead["profile"]
    assert profile["name"] == "Jordan Reyes" and profile["company"] == "Fernhill Analytics"
    assert profile["role"]["seniority"] == "vp"
    assert profile["company_size"] == {"min": 350, "max": 350}
    assert profile["timeline"]["label"] == "next quarter"


async def test_a_digression_with_facts_mid_questions_is_answered_and_the_facts_kept(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Rasa keeps a form that got any slot: without the form stepping aside, "can I get a demo? I'm at Nimbus,
    600 employees" only repeated the open question."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("how much is it for a company of 600 employees?")
    assert any(PRICING in r for r in replies) and asked(replies) == ["use_case"], replies
    replies = await v.say("actually can I get a demo? I'm at Nimbus")
    assert said(replies, "utter_demo_intro") and asked(replies) == ["email"], replies
    assert said(await v.say("ana@nimbus.io"), "utter_demo_booked")
    lead = await v.lead()
    assert lead["profile"]["company_size"] == {"min": 600, "max": 600} and lead["profile"]["company"] == "Nimbus"
    assert lead["stage"] == "sql", lead


async def test_the_demo_email_question_hears_a_trial_question_and_a_goodbye(sqlite_stack: Stack,
                                                                             http: aiohttp.ClientSession) -> None:
    """"How long is the trial?" is a pricing question (it was taken for a demo request), and a goodbye while the
    demo email is asked ends the request (it got the fallback)."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("can I book a demo?")) == ["email"]
    replies = await v.say("how long is the trial?")
    assert any(PRICING in r for r in replies) and asked(replies) == ["email"], replies
    replies = await v.say("ok bye")
    assert said(replies, "utter_goodbye") and not said(replies, "utter_default"), replies


async def test_a_question_to_the_demo_email_question_is_answered_and_the_email_asked_again(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """"do you have customers in healthcare?" got "that doesn't look like an email address" until stop 25."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("can I talk to your sales team?")) == ["email"]
    replies = await v.say("do you have customers in healthcare?")
    assert any(r.startswith("Over 400 revenue teams use Pipewise") for r in replies), replies
    assert asked(replies) == ["email"] and not said(replies, "utter_invalid_email"), replies
    await v.say("noor@vandelay.example")  # an email no other test gives: the stack is shared, and leads merge on it
    assert (await v.lead())["profile"]["email"] == "noor@vandelay.example"


async def test_opt_out_and_in_are_recorded(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    replies = await v.say("please stop messaging me")
    assert said(replies, "utter_opted_out"), replies
    assert (await v.lead())["consent"]["status"] == "opted_out"
    replies = await v.say("how much does it cost?")
    assert PRICING in replies and asked(replies) == [], replies  # answered; no qualifying questions after STOP
    replies = await v.say("you can message me again")
    assert said(replies, "utter_opted_in"), replies
    assert (await v.lead())["consent"]["status"] == "opted_in"


async def test_a_senior_visitor_asking_to_be_called_is_a_sales_request(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """"I'm the sales director at Umbrella, can someone call me?" was read as an introduction and got a profiling
    question; it is a request for sales, with the role and company kept."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("I'm the sales director at Umbrella, can someone call me?")
    assert said(replies, "utter_demo_intro") and asked(replies) == ["email"], replies
    assert said(await v.say("dir@umbrella.example"), "utter_demo_booked")
    lead = await v.lead()
    assert lead["profile"]["company"] == "Umbrella" and lead["profile"]["role"]["seniority"] == "director", lead
    w = Visitor(sqlite_stack, http)  # the same with a number to call: the request is not lost, the number is kept
    replies = await w.say("I'm the head of marketing at Vantage, call me at +1 646 555 0199")
    assert said(replies, "utter_demo_intro") and asked(replies) == ["email"], replies
    assert (await w.lead())["profile"]["phone"] == "+16465550199"


async def test_yes_is_not_taken_as_what_the_visitor_wants_to_improve(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hello")) == ["use_case"]
    replies = await v.say("yes")
    assert "use_case" not in (await v.lead())["profile"], replies
    assert said(replies, "utter_invalid_use_case") and asked(replies) == ["use_case"], replies


async def test_a_pricing_question_with_an_introduction_is_answered_and_the_facts_kept(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """"I'm VP marketing at Globex, how much for 80 seats?" read as an introduction: a profiling question came
    instead of the price. Since stop 29 the price is the total for 80 users."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("I'm VP marketing at Globex, how much for 80 seats?")
    assert any(r.startswith("For 80 users:") and "$7,920 a month" in r for r in replies), replies
    profile = (await v.lead())["profile"]
    assert profile["company"] == "Globex" and profile["role"]["seniority"] == "vp", profile
    assert "company" not in asked(replies) and "role" not in asked(replies), replies


async def test_not_interested_ends_the_questions_for_the_visit(sqlite_stack: Stack,
                                                               http: aiohttp.ClientSession) -> None:
    """"not interested, thanks" to the second question was taken as declining that one, and a third came."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    assert asked(await v.say("better lead routing")) == ["role"]
    replies = await v.say("not interested, thanks")
    assert said(replies, "utter_questions_stopped") and asked(replies) == [], replies
    replies = await v.say("how much is it?")
    assert any(PRICING in r for r in replies) and asked(replies) == [], replies
    assert (await v.lead())["refused"] == ["role"]  # the next visit may ask the others


async def test_a_question_answered_twice_with_other_facts_is_left_for_another_visit(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Answering "what would you like help with?" with "we're a 12-person agency", then "founder", then "asap"
    asked the same question four times in a row; the facts were kept, the question looped."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hello")) == ["use_case"]
    assert asked(await v.say("we're a 12-person agency")) == ["use_case"]  # asked once more
    replies = await v.say("founder")
    assert "use_case" not in asked(replies) and asked(replies), replies
    profile = (await v.lead())["profile"]
    assert profile["company_size"] == {"min": 12, "max": 12} and profile["role"]["title"] == "Founder", profile


async def test_the_team_one_works_in_is_a_role(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Stop 25's model read no role in "I work in marketing at Globex" (only "in the marketing department"), so the
    message, said to the use-case question, was stored as the use case."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("I work in marketing at Quillfeather")
    assert asked(replies) == ["use_case"], replies  # facts only: the question is asked again
    profile = (await v.lead())["profile"]
    assert profile["role"]["title"] == "Marketing" and "use_case" not in profile, profile
