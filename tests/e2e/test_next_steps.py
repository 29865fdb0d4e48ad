"""On the real stack: "what happens next?" is answered from where the lead stands; onboarding, billing, security and
comparison questions from nurture.yml; and replies that answer another question than the one asked (a stated need,
an introduction) are not stored as its answer."""

from __future__ import annotations

import aiohttp

from .responses import asked, said
from .stack import Stack, Visitor


async def test_what_happens_next_before_and_after_a_demo_request(sqlite_stack: Stack,
                                                                 http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("what happens next?")
    assert said(replies, "utter_next_steps_explore") and asked(replies) == ["use_case"], replies
    assert asked(await v.say("can I book a demo?")) == ["email"]
    await v.say("maya@lumen.example")
    replies = await v.say("when will I hear from you?")
    assert said(replies, "utter_next_steps_requested"), replies
    assert any("maya@lumen.example" in r for r in replies), replies


async def test_an_introduction_and_a_need_are_not_taken_for_other_answers(sqlite_stack: Stack,
                                                                          http: aiohttp.ClientSession) -> None:
    """"sure, I'm Maya" was stored as the use case, and "we need better forecasting" as the role, until stop 23."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("sure, I'm Maya")
    assert "Nice to meet you, Maya." in replies and asked(replies) == ["use_case"], replies
    assert asked(await v.say("forecast our pipeline")) == ["role"]
    replies = await v.say("we need better forecasting")
    assert said(replies, "utter_invalid_role") and asked(replies) == ["role"], replies
    profile = (await v.lead())["profile"]
    assert profile["name"] == "Maya" and profile["use_case"] == "forecast our pipeline", profile
    assert "role" not in profile, profile


async def test_an_onboarding_question_is_answered_from_nurture_yml(sqlite_stack: Stack,
                                                                   http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("how long does setup usually take for a team like ours?")
    assert any(r.startswith("Most teams are live") for r in replies) and asked(replies) == ["use_case"], replies
    # asked of the timeline question, "how fast can we go live?" was out of scope until stop 24
    other = Visitor(sqlite_stack, http)
    await other.say("Hi, I'm Priya, VP Sales at Northwind, we're about 1200 people")
    assert asked(await other.say("we need to stop missing our quarterly forecast")) == ["timeline"]
    replies = await other.say("how fast can we go live?")
    assert any(r.startswith("Most teams are live") for r in replies) and asked(replies) == ["timeline"], replies


async def test_billing_terms_are_answered_from_the_pricing_facts(sqlite_stack: Stack,
                                                                 http: aiohttp.ClientSession) -> None:
    """"can I cancel anytime?" asked whether to stop our messages, and "what payment methods do you accept?" and
    "how accurate is the forecasting?" were out of scope, until stop 24."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("can I cancel anytime?")
    assert any("cancelled at any time" in r for r in replies) and asked(replies) == ["use_case"], replies
    assert not said(replies, "utter_confirm_opt_out"), replies
    replies = await v.say("how accurate is the forecasting?")
    assert any("confidence range" in r for r in replies) and asked(replies) == ["use_case"], replies
    assert (await v.lead())["consent"]["status"] != "opted_out"
    # the pricing paragraph once per session; since stop 31 the price objection gets the FAQ's answer to it, which
    # names the sales team
    replies = await v.say("hmm that's pricey")
    assert any(r.startswith("Fair point: it has to pay for itself") and "sales@pipewise.example" in r
               for r in replies), replies
    assert asked(replies) == ["use_case"], replies
    other = Visitor(sqlite_stack, http)
    assert asked(await other.say("hi")) == ["use_case"]
    replies = await other.say("what payment methods do you accept?")
    assert any("we take cards" in r for r in replies) and asked(replies) == ["use_case"], replies


async def test_security_integration_and_comparison_questions_get_the_facts(sqlite_stack: Stack,
                                                               http: aiohttp.ClientSession) -> None:
    """"is Pipewise SOC 2 compliant?" got only the privacy answer about the chat's data, "do you integrate with
    HubSpot?" the whole list, and "what's the difference between you and Clari?" was out of scope, until stop 24.
    Since stop 30 a question about the product's security alone gets no answer about the chat's data."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("is Pipewise SOC 2 compliant?")
    assert any(r.startswith("Pipewise is SOC 2 Type II audited") for r in replies), replies
    assert not said(replies, "utter_privacy") and asked(replies) == ["use_case"], replies
    replies = await v.say("do you integrate with HubSpot?")
    assert "Yes: Pipewise connects to HubSpot out of the box." in replies and asked(replies) == ["use_case"], replies
    replies = await v.say("what's the difference between you and Clari?")
    assert any(r.startswith("Pipewise gives revenue teams") for r in replies), replies
    assert asked(replies) == ["use_case"], replies


async def test_an_integration_asked_about_after_the_list_gets_where_to_go_on_that_topic(
        sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """"do you integrate with Zoho?" after the list of integrations got "for anything specific, like a quote,
    discounts or terms" until stop 25."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("what integrations do you have?")
    assert any(r.startswith("Pipewise connects to Salesforce") for r in replies), replies
    replies = await v.say("do you integrate with Zoho?")
    assert said(replies, "utter_asked_again_integrations") and not said(replies, "utter_asked_again"), replies
    assert asked(replies) == ["use_case"], replies
