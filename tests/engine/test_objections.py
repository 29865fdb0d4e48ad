"""An objection said in place of an answer is no answer: it is answered, and the question asked again; a request
to be sent information is none either, and the email question comes next."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nurture_engine.conversation import Conversation
from nurture_engine.domain import Channel, ConsentStatus, ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.normalize import normalise
from nurture_engine.objections import asks_to_be_sent, is_objection
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.testing import memory_service, test_settings

NOW = datetime(2026, 11, 29, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", [
    "it's too expensive for us", "that's too pricey", "hmm, way too expensive", "we can't afford it",
    "over our budget", "honestly it's a bit pricey for a small team", "Your pricing is too high", "that's too much",
    "we already use Clari", "we're already using HubSpot", "we use gong already", "I already have a tool for that",
    "we are currently on salesforce", "well we're happy with Clari",
])
def test_an_objection_and_nothing_else_is_one(text: str) -> None:
    assert is_objection(text)


@pytest.mark.parametrize("text", [
    "we can't afford more than $5k",  # a budget
    "we already use Salesforce but need forecasting",  # a use case
    "I'm already using it and want routing", "we use salesforce", "we need forecasting", "head of sales",
    "is it expensive?", "too expensive? how much for 20 seats", "not expensive at all", "Expensive Solutions Inc",
    "we're happy with the price", "i am happy with that", "we're happy with your answer", "x" * 300 + " too expensive",
])
def test_a_message_that_says_more_is_no_objection(text: str) -> None:
    assert not is_objection(text)


@pytest.mark.parametrize(("field", "text"), [
    (ProfileField.ROLE, "it's too expensive for us"),  # stop 30 stored the role "It's Too Expensive"
    (ProfileField.USE_CASE, "we already use Clari"),  # ... and this as the use case
    (ProfileField.BUDGET, "way over our budget"),
    (ProfileField.COMPANY, "we're using HubSpot already"),
    (ProfileField.EMAIL, "too pricey tbh"),
])
def test_an_objection_is_rejected_as_an_answer(field: ProfileField, text: str) -> None:
    with pytest.raises(InvalidValue) as err:
        normalise(field, text, NOW)
    assert err.value.reason == "objection"


def test_an_answer_that_sounds_like_one_is_kept() -> None:
    assert normalise(ProfileField.BUDGET, "we can't afford more than $5k", NOW)
    assert normalise(ProfileField.USE_CASE, "we already use Salesforce but need forecasting", NOW)


@pytest.mark.parametrize(("text", "asks"), [
    ("email me the details", True), ("ok cool. can you email me more info?", True),
    ("can you send me some info by email?", True), ("please send me the deck", True),
    ("I'd like more info by email", True), ("send me more information please", True),
    ("email me at sam@x.com", False), ("send me pricing for 25 seats", False),
    ("we need to email leads faster", False), ("I want details", False),
])
def test_a_request_to_be_sent_information(text: str, asks: bool) -> None:
    assert asks_to_be_sent(text) is asks


def test_a_request_to_be_sent_information_is_no_answer() -> None:
    """"ok cool. can you email me more info?" was stored as the use case until stop 31."""
    for field in (ProfileField.USE_CASE, ProfileField.ROLE, ProfileField.COMPANY):
        with pytest.raises(InvalidValue) as err:
            normalise(field, "ok cool. can you email me more info?", NOW)
        assert err.value.reason == "send_info"


async def test_the_email_question_comes_next_whatever_the_visits_budget() -> None:
    settings = test_settings(NURTURE_BUDGET_PER_VISIT="1")
    service, _, _ = memory_service(settings)
    conv = Conversation(channel=Channel.WEB, sender_id="v")
    visit = VisitState(known=frozenset(), asked=(ProfileField.USE_CASE,))
    result = await service.profile_turn(conv, ProfileTurn(
        answers={ProfileField.USE_CASE: "email me the details"}, requested=ProfileField.USE_CASE, intent="inform",
        visit=visit, message="email me the details"))
    assert result.invalid == {ProfileField.USE_CASE: "send_info"} and result.next_field is ProfileField.EMAIL
    visit = VisitState(known=frozenset(), asked=result.asked, invalid=frozenset(result.invalid_in_visit))
    result = await service.profile_turn(conv, ProfileTurn(
        answers={ProfileField.EMAIL: "sam@initech.com"}, requested=ProfileField.EMAIL, intent="inform", visit=visit,
        message="sam@initech.com"))
    assert result.next_field is ProfileField.USE_CASE  # the question still open, then the visit's budget is spent
    known = await service.plan(conv, VisitState(known=frozenset(), asked=()), send_info=True)
    assert ProfileField.EMAIL not in known  # given already: not asked again


async def test_no_email_question_for_a_visitor_who_opted_out() -> None:
    service, _, _ = memory_service(test_settings())
    conv = Conversation(channel=Channel.WEB, sender_id="v")
    await service.set_consent(conv, ConsentStatus.OPTED_OUT, "stop")
    assert await service.plan(conv, VisitState(known=frozenset(), asked=()), send_info=True) == []
    refused = VisitState(known=frozenset(), asked=(), refused=frozenset({ProfileField.EMAIL}))
    other, _, _ = memory_service(test_settings())
    assert ProfileField.EMAIL not in await other.plan(conv, refused, send_info=True)
