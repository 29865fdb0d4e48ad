"""On the real stack: the second message in a row that the assistant cannot help with gets an offer of a person,
whose button asks for one; the question that was open is asked again each time."""

from __future__ import annotations

import aiohttp

from nurture_engine.testing import test_settings

from .responses import asked, said
from .stack import Stack, Visitor


async def test_the_second_miss_in_a_row_offers_a_person(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("what's the weather like in Paris?")
    assert said(replies, "utter_out_of_scope") and asked(replies) == ["use_case"], replies
    replies = await v.say("/out_of_scope")
    assert said(replies, "utter_offer_person") and asked(replies) == ["use_case"], replies
    assert not said(replies, "utter_out_of_scope"), replies
    replies = await v.say("/human_handoff")  # the offer's button
    assert asked(replies) == ["email"], replies
    await v.say("maya@lumen.example")
    lead = await v.lead()
    assert lead["profile"]["email"] == "maya@lumen.example", lead


async def test_a_question_the_faq_answers_is_answered_and_no_miss(sqlite_stack: Stack,
                                                                  http: aiohttp.ClientSession) -> None:
    """"is there a mobile app?" got the features paragraph and "what languages do you support?" "that's outside what
    I can help with" until stop 25: nurture.yml's FAQ answers both mid-questions, and an FAQ answer does not count
    toward the offer of a person."""
    app, spreadsheet, languages = (next(e for e in test_settings().business.faq if word in e.words)
                                   for word in ("mobile", "csv", "languages"))
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("is there a mobile app?")  # a features question
    assert app.answer in replies and asked(replies) == ["use_case"], replies
    replies = await v.say("what languages do you support?")  # off-topic to the NLU
    assert languages.answer in replies and asked(replies) == ["use_case"], replies
    replies = await v.say("what's the weather like in Paris?")
    assert said(replies, "utter_out_of_scope") and not said(replies, "utter_offer_person"), replies
    replies = await v.say("can we import data from google sheets?")  # an integrations question
    assert spreadsheet.answer in replies, replies
    assert "company" not in (await v.lead())["profile"]  # the NLU reads "google sheets" as a company


async def test_an_emoji_alone_is_read_as_what_it_says(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """"👋" alone got "that's outside what I can help with" until stop 25: the tokenizer keeps an emoji-only message
    as one token, which no training example had."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("👋")
    assert said(replies, "utter_greet") and asked(replies) == ["use_case"], replies
    replies = await v.say("🙏")
    assert said(replies, "utter_welcome_mid_question") and asked(replies) == ["use_case"], replies
    assert not said(replies, "utter_out_of_scope"), replies


async def test_a_check_that_the_assistant_is_there_and_words_that_are_no_email(sqlite_stack: Stack,
                                                                               http: aiohttp.ClientSession) -> None:
    """Until stop 26 "who uses pipewise?" was a request for sales (its FAQ entry went unused), "are you still there?"
    mid-question got "not one I can answer", a greeting mid-question the whole introduction again, and "I'm a
    student researching sales tools" to the email question "it needs an @ and a domain"."""
    customers = next(e for e in test_settings().business.faq if "your customers" in e.words)
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("which companies use your product?")
    assert customers.answer in replies and asked(replies) == ["use_case"], replies
    replies = await v.say("are you still there?")
    assert said(replies, "utter_still_here") and asked(replies) == ["use_case"], replies
    assert not said(replies, "utter_greet"), replies
    assert asked(await v.say("I'd like to talk to your sales team")) == ["email"]
    replies = await v.say("I'm a student researching sales tools")
    assert said(replies, "utter_invalid_email_sentence") and asked(replies) == ["email"], replies
    replies = await v.say("hello?")
    assert said(replies, "utter_still_here") and asked(replies) == ["email"], replies
    replies = await v.say("I'd rather not share it")
    assert asked(replies) == [], replies


async def test_a_follow_up_question_goes_on_with_the_last_topic(sqlite_stack: Stack,
                                                               http: aiohttp.ClientSession) -> None:
    """Until stop 26 "ok, what about Dynamics?" after an integrations question was stored as the use case and
    "and pipedrive?" as the role: a follow-up is answered on the topic of the visitor's last product question."""
    business = test_settings().business
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("do you integrate with hubspot?")
    assert said(replies, "utter_integrations_named") and asked(replies) == ["use_case"], replies
    replies = await v.say("ok, what about Dynamics?")  # no connector: the integrations paragraph
    assert business.integrations.strip() in replies and asked(replies) == ["use_case"], replies
    replies = await v.say("lead scoring")
    assert asked(replies) == ["role"], replies
    replies = await v.say("and pipedrive?")
    assert any("Pipedrive" in r and "out of the box" in r for r in replies) and asked(replies) == ["role"], replies
    profile = (await v.lead())["profile"]
    assert profile["use_case"] == "lead scoring" and "role" not in profile, profile


async def test_a_greeting_names_no_company(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Until stop 27 "Namaste" alone was a greeting and, to the entity extractor, a company: it was stored as the
    visitor's company (Rasa fills a slot from an entity whatever the intent). A social message that is nothing
    but the entity names nobody (nurture_nlu/social.py)."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("Namaste")
    assert said(replies, "utter_greet") and asked(replies) == ["use_case"], replies
    assert asked(await v.say("lead scoring")) == ["role"]
    replies = await v.say("Namaste!")
    assert said(replies, "utter_still_here") and asked(replies) == ["role"], replies
    profile = (await v.lead())["profile"]
    assert profile == {"use_case": "lead scoring"}, profile


async def test_a_later_greeting_in_the_chat_is_hi_again(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Until stop 27 "hello again" after the visit's questions got the whole introduction again."""
    v = Visitor(sqlite_stack, http)
    assert said(await v.say("hi"), "utter_greet")
    assert asked(await v.say("lead scoring")) == ["role"]
    assert asked(await v.say("I'm the CTO")) == ["company_size"]
    assert asked(await v.say("about 40 people")) == []  # the visit's three questions
    replies = await v.say("hello again")
    assert said(replies, "utter_greet_again") and not said(replies, "utter_greet"), replies
