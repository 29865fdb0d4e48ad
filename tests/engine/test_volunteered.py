"""Facts volunteered inside a longer message (a size, a budget, a timeline the NLU missed) are stored with the
answers; narrow patterns, so that people, money and dates that are not the lead's are left alone."""

from __future__ import annotations

import time

import pytest

from nurture_engine.domain import Channel, ProfileField
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.testing import T0, memory_service
from nurture_engine.volunteered import volunteered_facts, with_volunteered, without_misreadings, without_tools

F = ProfileField
ALL_IN_ONE = ("Hi, I'm Dana Kim, head of revenue operations at Brightloop, about 300 people. We have budget "
              "approved and want to go live next month - can I get a demo?")


@pytest.mark.parametrize(("message", "expected"), [
    (ALL_IN_ONE, {F.NAME: "Dana Kim", F.COMPANY_SIZE: "about 300 people", F.TIMELINE: "next month"}),
    # a month or a season named in passing (stop 34: the timeline was asked after it)
    ("we need forecasting, I'm Lee, CRO at Bramblecore, 450 people, want it by March, budget 60k/yr",
     {F.COMPANY_SIZE: "450 people", F.TIMELINE: "by March", F.BUDGET: "60k/yr", F.USE_CASE: "forecasting"}),
    ("We switched CRM in May. Want Pipewise by September.", {F.TIMELINE: "by September"}),
    ("we started in January with HubSpot", {}),
    ("we're a 50-person startup with a budget of $20k a year, looking to buy in Q1",
     {F.COMPANY_SIZE: "50-person startup", F.BUDGET: "$20k a year", F.TIMELINE: "in Q1"}),
    ("company of 1,200 employees, budget around 50k, no rush",
     {F.COMPANY_SIZE: "company of 1,200", F.BUDGET: "50k", F.TIMELINE: "no rush"}),
    ("our budget is €500 per month and we need it within 3 months",
     {F.BUDGET: "€500 per month", F.TIMELINE: "within 3 months"}),
    ("a few hundred people; no budget yet", {F.COMPANY_SIZE: "a few hundred people", F.BUDGET: "no budget"}),
    ("We have 12 reps and 200-500 employees", {F.COMPANY_SIZE: "200-500 employees"}),
    ("we can spend about $30k", {F.BUDGET: "$30k"}),
    ("We're 40 people and want to start asap", {F.COMPANY_SIZE: "40 people", F.TIMELINE: "asap"}),
    # a number without a currency right after "budget" (stop 30: the whole message was the use case)
    ("we're 25 people, I'm the founder. budget maybe 500/month", {F.COMPANY_SIZE: "25 people", F.BUDGET: "500/month"}),
    ("our budget is 5000 a year", {F.BUDGET: "5000 a year"}),
])
def test_facts_stated_in_passing_are_found(message: str, expected: dict[ProfileField, str]) -> None:
    assert volunteered_facts(message, T0) == expected


@pytest.mark.parametrize("message", [
    "our sales team of 40 people needs forecasting",  # a team is not the company
    "I have 5 people on my sales team",
    "I talked to 3 people who use it",  # people who are not staff
    "how much for 10 people?",
    "we spend $2M on ads",  # money that is not a budget for us
    "our Q3 forecast was off by 20%",  # a quarter that is not a timeline
    "what does it cost?",
    "budget for 20 users",  # a count that follows "budget" further on is no amount
    "the budget was approved in 2025",
    "",
])
def test_numbers_and_dates_that_are_not_the_leads_facts_are_left_alone(message: str) -> None:
    assert volunteered_facts(message, T0) == {}


def test_answers_the_nlu_gave_are_never_replaced() -> None:
    answers = {F.COMPANY_SIZE: "300", F.ROLE: "CTO"}
    merged = with_volunteered(answers, "CTO, about 250 people, next quarter", T0)
    assert merged == {F.COMPANY_SIZE: "300", F.ROLE: "CTO", F.TIMELINE: "next quarter"}
    assert with_volunteered(answers, None, T0) == answers
    # the NLU's span lacks what the message adds right after it: the fuller words are taken
    budget = with_volunteered({F.BUDGET: "about 20k"}, "budget about 20k per year", T0)
    assert budget == {F.BUDGET: "20k per year"}
    # a different amount, or nothing more, keeps the NLU's words
    assert with_volunteered({F.BUDGET: "30k"}, "budget about 20k per year", T0) == {F.BUDGET: "30k"}
    assert with_volunteered({F.BUDGET: "$20k a year"}, "budget is $20k a year", T0) == {F.BUDGET: "$20k a year"}


@pytest.mark.parametrize("message", ["1" * 50_000, "1," * 20_000, "budget " + "$1 " * 10_000, "about " * 5_000,
                                     "team of " * 5_000 + "3 people", "in the next " * 5_000])
def test_huge_or_hostile_messages_are_scanned_in_bounded_time(message: str) -> None:
    started = time.perf_counter()
    volunteered_facts(message, T0)
    assert time.perf_counter() - started < 0.5  # a bound against catastrophic backtracking, not a benchmark


async def test_a_turn_stores_the_volunteered_facts_and_does_not_ask_them() -> None:
    service: NurtureService
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-all-in-one")
    turn = ProfileTurn(answers={F.NAME: "Dana Kim", F.ROLE: "head of revenue operations", F.COMPANY: "Brightloop"},
                       requested=None, intent="inform", message=ALL_IN_ONE, visit=VisitState(known=frozenset()))
    result = await service.profile_turn(conv, turn)
    assert result.slots[F.COMPANY_SIZE] == {"min": 300, "max": 300}
    assert result.slots[F.TIMELINE] == {"months": 1, "label": "next month"}
    assert not result.invalid
    assert result.next_field not in {F.COMPANY_SIZE, F.TIMELINE, F.ROLE}
    lead = await service.lead_for(conv)
    assert lead.profile[F.COMPANY_SIZE].raw == "about 300 people"
    signals = {i.signal for i in (await service.view(lead.id)).items}
    assert {"fit_company_size", "fit_timeline", "fit_role"} <= signals


async def test_facts_volunteered_outside_the_questions_are_stored_and_bare_chat_writes_nothing() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-in-passing")
    outcome = await service.record_answers(conv, {}, message="we're about 80 employees, budget is $15k per year")
    assert outcome.accepted == {F.COMPANY_SIZE: {"min": 80, "max": 80},
                                F.BUDGET: {"amount": 15000, "max": None, "currency": "USD", "period": "year"}}
    chat = Conversation(channel=Channel.WEB, sender_id="visitor-just-chatting")
    assert await service.record_answers(chat, {}, message="what integrations do you have?") == type(outcome)()
    assert await service.lookup(chat) is None  # no lead was made for a message without facts


def test_a_teams_size_the_nlu_read_gives_way_to_the_companys_size_in_the_same_message() -> None:
    """"we're a team of 12 at a 500-person company": the NLU read "a team of 12" as the company size."""
    message = "we're a team of 12 at a 500-person company"
    assert with_volunteered({F.COMPANY_SIZE: "a team of 12"}, message, T0) == {F.COMPANY_SIZE: "500-person company"}
    # a team is all there is: the small company's size it is
    assert with_volunteered({F.COMPANY_SIZE: "a team of 40"}, "we're a team of 40", T0) == {
        F.COMPANY_SIZE: "a team of 40"}


def test_a_company_that_is_one_of_the_businesss_tools_is_no_company_unless_asked_for() -> None:
    """"can we import data from Google Sheets?" stored the company "Google Sheets" until stop 25 (the NLU reads
    well-known employers' names as companies, and "google" is one)."""
    tools = ("HubSpot", "Google  Sheets", "csv")
    asked_in_passing = {F.COMPANY: "google sheets", F.ROLE: "CTO"}
    assert without_tools(asked_in_passing, tools, asked=None) == {F.ROLE: "CTO"}
    assert without_tools(asked_in_passing, tools, asked=F.ROLE) == {F.ROLE: "CTO"}
    assert without_tools({F.COMPANY: "HubSpot"}, tools, asked=F.COMPANY) == {F.COMPANY: "HubSpot"}  # their employer
    assert without_tools({F.COMPANY: "Google"}, tools, asked=None) == {F.COMPANY: "Google"}  # not a tool


async def test_the_service_drops_a_tool_named_in_passing_as_the_company() -> None:
    service, _, _ = memory_service()
    assert "google sheets" in service.business.tools and "HubSpot" in service.business.tools
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-tools")
    outcome = await service.record_answers(conv, {F.COMPANY: "Google Sheets"}, message="import from google sheets?")
    assert outcome.accepted == {}
    outcome = await service.record_answers(conv, {F.COMPANY: "HubSpot"}, message="HubSpot", asked=F.COMPANY)
    assert outcome.accepted == {F.COMPANY: "HubSpot"}


async def test_a_number_of_users_in_a_pricing_question_is_no_company_size() -> None:
    """Seen over REST: "we're around 250 people", then "what would it cost us for 12 reps?", left the company size
    12 until stop 29 (the NLU read "12 reps" as one). Given to the company-size question, it stays an answer."""
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-seats")
    await service.record_answers(conv, {F.COMPANY_SIZE: "around 250 people"}, message="we're around 250 people")
    for raw, message in (("12 reps", "what would it cost us for 12 reps?"), ("25 seats", "how much for 25 seats?")):
        outcome = await service.record_answers(conv, {F.COMPANY_SIZE: raw}, message=message)
        assert F.COMPANY_SIZE not in outcome.accepted, message
    assert (await service.lead_for(conv)).profile[F.COMPANY_SIZE].value == {"min": 250, "max": 250}
    outcome = await service.record_answers(conv, {F.COMPANY_SIZE: "12 reps"}, message="12 reps", asked=F.COMPANY_SIZE)
    assert outcome.accepted == {F.COMPANY_SIZE: {"min": 12, "max": 12}}


def test_a_range_said_in_passing_replaces_the_one_end_the_nlu_read() -> None:
    assert with_volunteered({F.COMPANY_SIZE: "10"}, "we're 10-50 people", T0) == {F.COMPANY_SIZE: "10-50 people"}


@pytest.mark.parametrize("company", ["Q2", "q3 2027", "FY26", "2027"])
def test_a_quarter_or_year_read_as_the_company_in_passing_is_dropped(company: str) -> None:
    """"... want something live by Q2." gave the company "Q2" until stop 30; asked for, it stays (Q2 is a company)."""
    assert without_misreadings({F.COMPANY: company, F.ROLE: "CTO"}, [], None) == {F.ROLE: "CTO"}
    assert without_misreadings({F.COMPANY: company}, [], F.COMPANY) == {F.COMPANY: company}
    assert without_misreadings({F.COMPANY: "Q2 Holdings"}, [], None) == {F.COMPANY: "Q2 Holdings"}
