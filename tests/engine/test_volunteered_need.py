"""A need stated in passing ("Hi, I'm Dana from Initech, we need to stop losing deals") is the use case, when the NLU
tagged none: the visitor is not asked what they just said. Wants that are no use case (a demo, information, a
privacy request, "it") are left alone, and a stated need never replaces the use case the profile has."""

from __future__ import annotations

import time

import pytest

from nurture_engine.domain import Channel, ProfileField
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation
from nurture_engine.testing import T0, first_reply, memory_service
from nurture_engine.turn_answers import whole_use_case
from nurture_engine.volunteered import volunteered_facts, with_volunteered

F = ProfileField


@pytest.mark.parametrize(("message", "need"), [
    ("Hi, I'm Dana from Initech, we need to stop losing deals in our pipeline", "stop losing deals in our pipeline"),
    ("we want better forecasts", "better forecasts"),
    ("we're looking to clean up our CRM data, we're 300 people", "clean up our CRM data"),
    ("We\u2019re hoping to automate lead routing and we're 40 people", "automate lead routing"),
    ("we need help with forecasting", "help with forecasting"),
    ("I'd like to get better forecasts please", "get better forecasts"),
    ("our team really needs cleaner pipeline data", "cleaner pipeline data"),
    ("the CRM needs work", None),  # only a person or a team has needs here
    ("we're evaluating forecasting tools", "forecasting tools"),  # a kind of tool is a need (stop 26)
    ("I'm researching lead scoring software for my team", "lead scoring software for my team"),
    ("we are looking at pipeline analytics platforms", "pipeline analytics platforms"),
    ("we're comparing a few options", None),  # what is compared must be a kind of tool
    # a want that shares its subject with an earlier verb (stop 27 missed it)
    ("Tom here, VP of Sales. We have 2,000 staff and want better forecasting", "better forecasting"),
    ("we use hubspot and would like to clean up our CRM data", "clean up our CRM data"),
    ("we have a demo booked and want to see pricing", None),
    ("we're evaluating Pipewise against Clari", None),
    # a pain with what the product works on is the use case too (stop 30 missed it in an opening message)
    ("we're a 200 person fintech. Our forecast is always off. Can you help?", "Our forecast is always off"),
    ("we sell B2B software and our reps waste hours updating salesforce", "our reps waste hours updating salesforce"),
    ("my team struggles with lead routing, honestly", "my team struggles with lead routing"),
    ("our CRM data is a mess", "our CRM data is a mess"),
    ("our numbers are great", None),
    ("our office is a mess", None),
    # the company, then what it wants (stop 33: the use case asked again after it)
    ("we're a 50-person agency looking to forecast revenue better", "forecast revenue better"),
    ("we are a small team that needs better lead routing", "better lead routing"),
    ("we're a startup looking for a demo", None), ("I'm a consultant looking for a job", None),
])
def test_a_stated_need_is_the_use_case(message: str, need: str | None) -> None:
    assert volunteered_facts(message, T0).get(F.USE_CASE) == need


@pytest.mark.parametrize("message", [
    "I want to see a demo", "I would like a demo please", "we need it by next month", "I need help",
    "I'd like to know more", "we want to get started", "I want my data deleted", "i just want to talk to a human",
    "we want to stop getting these emails", "we plan to roll out next quarter", "we like your product",
    "I need a quote for 20 seats", "I want pricing", "we need to go live by March",
    "I'm looking for a new job", "I'm looking for work",  # a role (job seeker), said to "what's your role?"
])
def test_wants_that_are_no_use_case_are_left_alone(message: str) -> None:
    assert F.USE_CASE not in volunteered_facts(message, T0)


def test_the_nlus_use_case_or_a_known_one_is_never_replaced() -> None:
    message = "we need to stop losing deals"
    assert with_volunteered({F.USE_CASE: "deal risk alerts"}, message, T0) == {F.USE_CASE: "deal risk alerts"}
    assert with_volunteered({}, message, T0, known={F.USE_CASE}) == {}
    assert with_volunteered({}, message, T0) == {F.USE_CASE: "stop losing deals"}


def test_a_fragment_of_the_stated_need_gives_way_to_it() -> None:
    """The NLU tagged the use case "better" of "... and we need better forecasting by Q2" (stop 26's model)."""
    message = "I'm Sofia from Initech and we need better forecasting by Q2"
    assert with_volunteered({F.USE_CASE: "better"}, message, T0)[F.USE_CASE] == "better forecasting by Q2"
    assert with_volunteered({F.USE_CASE: "forecast"}, message, T0)[F.USE_CASE] == "forecast"  # not its words
    # Rasa has filled the slot with the fragment, so the visit knows it: the fragment is an answer either way
    assert with_volunteered({F.USE_CASE: "better"}, message, T0, known={F.USE_CASE})[F.USE_CASE] != "better"


async def test_an_introduction_with_a_need_is_not_asked_the_need() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-need")
    message = "Hi, I'm Dana from Initech, we need to stop losing deals in our pipeline"
    turn = ProfileTurn(answers={F.NAME: "Dana", F.COMPANY: "Initech"}, requested=None, intent="inform",
                       message=message, visit=VisitState(known=frozenset()))
    result = await service.profile_turn(conv, turn)
    assert result.slots[F.USE_CASE] == "stop losing deals in our pipeline" and result.next_field is not F.USE_CASE
    # later, in passing, outside the questions: the stored use case stays
    await service.record_answers(conv, {}, message="we also want nicer dashboards, we're 40 people")
    lead = await service.lead_for(conv)
    assert lead.profile[F.USE_CASE].value == "stop losing deals in our pipeline"
    assert lead.profile[F.COMPANY_SIZE].value == {"min": 40, "max": 40}


def test_a_huge_message_is_scanned_in_bounded_time() -> None:
    started = time.perf_counter()
    volunteered_facts("we need " * 20_000, T0)
    volunteered_facts("we want to " + "a" * 100_000, T0)
    assert time.perf_counter() - started < 0.5  # a bound against catastrophic backtracking, not a benchmark


@pytest.mark.parametrize(("message", "tagged", "stored"), [
    ("cleaning up our CRM data", "up our CRM data", "cleaning up our CRM data"),  # the NLU cut the verb off
    ("we want to clean up our CRM data", "clean up our CRM data", "clean up our CRM data"),
    ("we want to clean up our CRM data", "our CRM data", "clean up our CRM data"),
    ("forecasting", "forecasting", "forecasting"),
])
def test_the_use_case_question_answered_alone_is_answered_by_the_whole_message(message: str, tagged: str,
                                                                               stored: str) -> None:
    turn = ProfileTurn(answers={F.USE_CASE: tagged}, requested=F.USE_CASE, intent="inform", message=message,
                       visit=VisitState(known=frozenset(), asked=(F.USE_CASE,)))
    assert whole_use_case(turn) == {F.USE_CASE: stored}


def test_the_tagged_use_case_stays_when_the_message_says_more_or_another_question_was_asked() -> None:
    message = "I'm the CRO and we'd like better forecasts"
    with_role = ProfileTurn(answers={F.USE_CASE: "better forecasts", F.ROLE: "CRO"}, requested=F.USE_CASE,
                            intent="inform", message=message, visit=VisitState(known=frozenset()))
    assert whole_use_case(with_role)[F.USE_CASE] == "better forecasts"
    other = ProfileTurn(answers={F.USE_CASE: "better forecasts"}, requested=F.TIMELINE, intent="inform",
                        message="we'd like better forecasts", visit=VisitState(known=frozenset()))
    assert whole_use_case(other)[F.USE_CASE] == "better forecasts"


def test_a_message_with_other_facts_taken_whole_for_the_use_case_gives_its_stated_need() -> None:
    """Rasa fills the asked use case with the whole message: "I'm Sofia, RevOps lead at Initech (about 800 people)
    and we need better forecasting by Q2" was stored as the use case, word for word, until stop 25."""
    message = "I'm Sofia, RevOps lead at Initech (about 800 people) and we need better forecasting by Q2"
    turn = ProfileTurn(answers={F.USE_CASE: message, F.NAME: "Sofia", F.ROLE: "RevOps lead", F.COMPANY: "Initech"},
                       requested=F.USE_CASE, intent="inform", message=message, visit=VisitState(known=frozenset()))
    assert whole_use_case(turn) == {F.USE_CASE: "better forecasting by Q2", F.NAME: "Sofia", F.ROLE: "RevOps lead",
                                    F.COMPANY: "Initech"}
    plain = "I'm Sofia from Initech, pipeline visibility"  # no stated need: what Rasa took stays
    turn = ProfileTurn(answers={F.USE_CASE: plain, F.NAME: "Sofia", F.COMPANY: "Initech"}, requested=F.USE_CASE,
                       intent="inform", message=plain, visit=VisitState(known=frozenset()))
    assert whole_use_case(turn)[F.USE_CASE] == plain


async def test_an_activity_given_for_the_role_is_the_use_case_and_the_role_is_asked_again() -> None:
    """After skipping the use-case question, "lead routing" to "what's your role?" was the role "Lead Routing" until
    stop 28; it says what the visitor wants."""
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="v")
    turn = ProfileTurn(answers={F.ROLE: "lead routing"}, requested=F.ROLE, intent="inform", message="lead routing",
                       visit=VisitState(known=frozenset(), asked=(F.USE_CASE, F.ROLE), refused=frozenset({F.USE_CASE})))
    result = await service.profile_turn(conv, turn)
    assert result.slots == {F.USE_CASE: "lead routing", F.ROLE: None}  # as for "we need lead routing"
    assert result.next_field is F.ROLE
    assert with_volunteered({F.ROLE: "Lead Scoring Analyst"}, "Lead Scoring Analyst", T0) == {
        F.ROLE: "Lead Scoring Analyst"}  # a title: no use case
    assert with_volunteered({F.ROLE: "lead routing", F.USE_CASE: "forecasting"}, None, T0)[F.USE_CASE] == "forecasting"
    # a use case known: "we need better forecasting" to the role question replaces nothing (the e2e test caught it)
    assert F.USE_CASE not in with_volunteered({F.ROLE: "lead routing"}, None, T0, known={F.USE_CASE})


async def test_a_company_that_wants_something_answers_the_use_case_question() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-marta")
    text = "we're a 50-person agency looking to forecast revenue better"
    result = await service.profile_turn(conv, first_reply(text, {F.USE_CASE: text, F.COMPANY_SIZE: "50-person"}))
    assert result.slots[F.USE_CASE] == "forecast revenue better" and result.next_field is not F.USE_CASE
