"""A free-text question answered only with other facts ("I lead revenue operations at a company of 300 people" to
"what would you like help with?"): Rasa fills the asked slot with the whole message; the engine does not take it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from nurture_engine.domain import Channel, ProfileField
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.testing import T0, memory_service
from nurture_engine.turn_answers import new_answers, without_bare_restatement

F = ProfileField


def turn(requested: ProfileField, message: str, **others: str) -> ProfileTurn:
    answers = {requested: message, **{F(k): v for k, v in others.items()}}
    return ProfileTurn(answers=answers, requested=requested, intent="inform", message=message,
                       visit=VisitState(known=frozenset(), asked=(requested,)))


@pytest.mark.parametrize(("requested", "message", "others"), [
    (F.USE_CASE, "I lead revenue operations at a company of 300 people",
     {"role": "lead revenue operations", "company_size": "300 people"}),
    (F.COMPANY, "I'm the CTO, we're about 50 people", {"role": "CTO", "company_size": "50 people"}),
    (F.NAME, "I\u2019m the CTO at Globex", {"role": "CTO", "company": "Globex"}),
    (F.USE_CASE, "  Hi!  My name is   Ana ", {"name": "ana"}),
    # a stated need (volunteered.stated_need) is the use case, not the role asked for (stop 23)
    (F.ROLE, "we need better forecasting", {"use_case": "better forecasting"}),
    (F.COMPANY, "We\u2019d love to automate lead routing", {"use_case": "automate lead routing"}),
    # what kind of company it is says no more than its size (stop 25 stored it as the use case)
    (F.USE_CASE, "we're a small agency, 5 people", {"company_size": "5 people"}),
    (F.USE_CASE, "a mid-sized firm, around 200 staff", {"company_size": "around 200 staff"}),
    # the verbs of doing a job (stop 27 stored "I run marketing" as the use case too)
    (F.USE_CASE, "I run marketing", {"role": "marketing"}),
    (F.USE_CASE, "i handle the sales side at Globex", {"role": "sales", "company": "Globex"}),
    # a correction of an earlier answer (stop 30 stored it as the use case)
    (F.USE_CASE, "actually we are 400 people, sorry typo", {"company_size": "400 people"}),
    (F.ROLE, "oops, sorry, I meant Initech", {"company": "Initech"}),
    (F.USE_CASE, "we'd like to start next month", {"timeline": "next month"}),
    (F.USE_CASE, "hoping to buy and roll it out in Q1", {"timeline": "in Q1"}),
    (F.USE_CASE, "maybe next quarter, depends on budget", {"timeline": "next quarter"}),  # stop 31: the use case
    # changing a fact given before (stop 34 stored it as the use case too)
    (F.USE_CASE, "change my name to Helena", {"name": "Helena"}),
    (F.USE_CASE, "please update my email to kai@brightwave.co", {"email": "kai@brightwave.co"}),
    (F.ROLE, "you can call me Lena", {"name": "Lena"}),
    (F.USE_CASE, "we're 25 people, I'm the founder. budget maybe 500/month",
     {"company_size": "25 people", "role": "Founder", "budget": "500/month"}),
])
def test_a_message_of_other_facts_does_not_answer_the_question(requested: ProfileField, message: str,
                                                               others: dict[str, str]) -> None:
    answers, unanswered = without_bare_restatement(turn(requested, message, **others))
    assert unanswered is requested
    assert answers == {F(k): v for k, v in others.items()}


def test_an_entity_read_as_a_synonym_is_taken_out_as_typed() -> None:
    """"I'm the CRO": the role is stored as "Chief Revenue Officer", the message says "CRO" (stop 21 found it
    stored as the use case too, on the second asking)."""
    t = replace(turn(F.USE_CASE, "I'm the CRO", role="Chief Revenue Officer"), said=("CRO",))
    assert without_bare_restatement(t) == ({F.ROLE: "Chief Revenue Officer"}, F.USE_CASE)
    assert without_bare_restatement(replace(t, said=()))[1] is None  # without the text as typed: taken


@pytest.mark.parametrize(("requested", "message", "others"), [
    (F.USE_CASE, "we're 300 people and need forecasting", {"company_size": "300 people"}),
    (F.COMPANY, "We're Globex, 50 people", {"company_size": "50 people"}),  # the company entity was missed
    (F.USE_CASE, "forecast our pipeline", {}),  # nothing else in the message
    (F.USE_CASE, "I run marketing and we need lead scoring", {"role": "marketing"}),
    (F.USE_CASE, "we're a small agency of 5 and need better reporting", {"company_size": "5"}),
    (F.TIMELINE, "we're 50 people, want it this quarter", {"company_size": "50 people"}),  # parsed, not free text
])
def test_a_message_with_words_of_its_own_still_answers(requested: ProfileField, message: str,
                                                       others: dict[str, str]) -> None:
    answers, unanswered = without_bare_restatement(turn(requested, message, **others))
    assert unanswered is None
    assert answers[requested] == message


def test_an_extracted_answer_is_kept_even_when_other_facts_came_with_it() -> None:
    """The answer is an entity (not the whole message): nothing to check."""
    t = ProfileTurn(answers={F.USE_CASE: "pipeline forecasting", F.ROLE: "CTO"}, requested=F.USE_CASE,
                    intent="inform", message="CTO here, we want pipeline forecasting",
                    visit=VisitState(known=frozenset(), asked=(F.USE_CASE,)))
    assert without_bare_restatement(t) == ({F.USE_CASE: "pipeline forecasting", F.ROLE: "CTO"}, None)


async def test_the_service_stores_the_other_facts_and_asks_the_question_again() -> None:
    service: NurtureService
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-restates")
    result = await service.profile_turn(conv, turn(F.USE_CASE, "I lead revenue operations at a company of 300 people",
                                                   role="lead revenue operations", company_size="300 people"))
    assert result.slots[F.USE_CASE] is None and F.USE_CASE not in result.invalid
    assert result.next_field is F.USE_CASE  # still open: asked again
    lead = await service.lead_for(conv)
    assert F.USE_CASE not in lead.profile
    assert lead.profile[F.COMPANY_SIZE].value == {"min": 300, "max": 300}
    assert lead.profile[F.ROLE].value["seniority"] == "manager"  # type: ignore[index]
    assert "fit_use_case" not in {i.signal for i in (await service.view(lead.id)).items}
    # answered with other facts again: the question is left for another visit, not asked in a loop
    again = ProfileTurn(answers={F.USE_CASE: "founder", F.ROLE: "founder"}, requested=F.USE_CASE, intent="inform",
                        message="founder", visit=VisitState(known=frozenset({F.COMPANY_SIZE, F.ROLE}),
                                                            asked=(F.USE_CASE,), invalid=frozenset({F.USE_CASE})))
    second = await service.profile_turn(conv, again)
    assert second.skipped is F.USE_CASE and F.USE_CASE in second.refused_in_visit
    assert second.next_field not in (F.USE_CASE, None)
    assert F.USE_CASE not in (await service.lead_for(conv)).refused  # the next visit asks again



async def test_a_fact_already_stored_is_not_stored_again() -> None:
    """A form that starts again after a digression gets every filled slot back for validation (Rasa's form
    activation): the stored value, or the same words typed again, are no answer and write nothing."""
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-repeats")
    first = await service.profile_turn(conv, turn(F.USE_CASE, "Forecast our pipeline "))
    assert first.slots == {F.USE_CASE: "Forecast our pipeline"}
    stored = (await service.lead_for(conv)).profile[F.USE_CASE]
    for again in ("Forecast our pipeline", "Forecast our pipeline "):
        result = await service.profile_turn(conv, ProfileTurn(
            answers={F.USE_CASE: again}, requested=None, intent="ask_integrations", message="do you do hubspot?",
            visit=VisitState(known=frozenset({F.USE_CASE}), asked=(F.USE_CASE,))))
        assert result.slots == {} and not result.changed
    assert (await service.lead_for(conv)).profile[F.USE_CASE] == stored  # provenance untouched
    changed = await service.profile_turn(conv, turn(F.USE_CASE, "clean up our CRM"))
    assert changed.slots == {F.USE_CASE: "clean up our CRM"}


async def test_every_way_in_skips_a_fact_already_stored() -> None:
    """The digression that stored "600 employees" is followed by the demo form, which sees the same message:
    the fact is not written a second time (record_answers is where every answer is stored)."""
    service, _, clock = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-digresses")
    message = "actually can I get a demo? I'm at Nimbus, 600 employees"
    first = await service.record_answers(conv, {F.COMPANY: "Nimbus"}, message=message)
    assert set(first.accepted) == {F.COMPANY, F.COMPANY_SIZE}
    stored = (await service.lead_for(conv)).profile
    clock.advance(timedelta(seconds=5))
    again = await service.record_answers(conv, {}, message=message)
    assert again.accepted == {} and again.lead is None
    assert (await service.lead_for(conv)).profile == stored


async def test_a_need_said_to_the_role_question_is_the_use_case_and_the_role_is_asked_again() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-needs")
    message = "we need better forecasting"
    result = await service.profile_turn(conv, turn(F.ROLE, message))
    assert result.slots[F.ROLE] is None and F.ROLE not in result.invalid
    assert result.next_field is F.ROLE
    lead = await service.lead_for(conv)
    assert lead.profile[F.USE_CASE].value == "better forecasting"
    assert F.ROLE not in lead.profile


async def test_looking_for_a_job_is_a_role_not_a_need() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-job")
    await service.profile_turn(conv, turn(F.ROLE, "I'm looking for a new job"))
    lead = await service.lead_for(conv)
    assert lead.profile[F.ROLE].value == {"title": "Job seeker", "seniority": "none"}
    assert F.USE_CASE not in lead.profile


async def test_a_need_said_to_the_role_question_when_the_use_case_is_known_is_reasked_with_a_reason() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-knows")
    await service.record_answers(conv, {F.USE_CASE: "pipeline forecasting"})
    t = replace(turn(F.ROLE, "we need better forecasting"),
                visit=VisitState(known=frozenset({F.USE_CASE}), asked=(F.USE_CASE, F.ROLE)))
    result = await service.profile_turn(conv, t)
    assert result.invalid == {F.ROLE: "need"} and result.next_field is F.ROLE
    lead = await service.lead_for(conv)
    assert lead.profile[F.USE_CASE].value == "pipeline forecasting" and F.ROLE not in lead.profile


@pytest.mark.parametrize(("requested", "message", "role", "expected"), [
    (F.USE_CASE, "I run marketing", "marketing", {F.ROLE: "I run marketing"}),
    (F.ROLE, "I head up sales ops at Acme", "sales ops", {F.ROLE: "I head up sales ops"}),
    (F.ROLE, "i manage the SDR team", "SDR", {F.ROLE: "i manage the SDR team"}),
    (F.ROLE, "I work in marketing", "marketing", {F.ROLE: "marketing"}),  # no verb of running it
])
def test_a_verb_of_running_a_team_goes_with_the_role(requested: ProfileField, message: str, role: str,
                                                      expected: dict[ProfileField, str]) -> None:
    """The NLU reads the department; "I run marketing" is the Head of Marketing (stop 27: "Marketing", individual,
    and the whole message stored as the use case too)."""
    t = ProfileTurn(answers={requested: message, F.ROLE: role} if requested is not F.ROLE else {F.ROLE: role},
                    requested=requested, intent="inform", message=message,
                    visit=VisitState(known=frozenset(), asked=(requested,)))
    answers, _ = new_answers(t, datetime(2026, 11, 28, tzinfo=timezone.utc))
    assert {f: v for f, v in answers.items() if f is F.ROLE or f is requested} == expected


@pytest.mark.parametrize(("requested", "message", "read", "expected"), [
    (F.COMPANY_SIZE, "10-50", "10", "10-50"),
    (F.COMPANY_SIZE, "somewhere between 200 and 500 people", "500 people", "somewhere between 200 and 500 people"),
    (F.BUDGET, "between 10 and 20k a year", "20k a year", "between 10 and 20k a year"),
    # not a range of the same thing: the NLU's reading stays
    (F.BUDGET, "20k a year, maybe 30 people", "20k a year", "20k a year"),
    (F.COMPANY_SIZE, "about 300, 12 in sales", "about 300", "about 300"),
    (F.BUDGET, "$20k for 10 users", "$20k", "$20k"),
])
def test_one_end_of_a_range_the_nlu_read_gives_way_to_the_range(requested: ProfileField, message: str, read: str,
                                                                 expected: str) -> None:
    """"10-50" to the company-size question was stored as a company of 10 until stop 30 (the NLU read "10")."""
    t = ProfileTurn(answers={requested: read}, requested=requested, intent="inform", message=message,
                    visit=VisitState(known=frozenset(), asked=(requested,)))
    assert new_answers(t, datetime(2026, 11, 29, tzinfo=timezone.utc))[0][requested] == expected



@pytest.mark.parametrize(("message", "use_case"), [
    ("honestly not sure, maybe reporting?", "reporting"), ("mostly forecasting accuracy", "forecasting accuracy"),
    ("I think pipeline visibility", "pipeline visibility"), ("forecasting", "forecasting"),
    ("not sure", "not sure"),  # nothing but hedges: kept, and refused as "unsure" by the parser
])
def test_a_use_case_is_taken_without_the_hedges_it_opens_with(message: str, use_case: str) -> None:
    answers, unanswered = new_answers(turn(F.USE_CASE, message), T0)
    assert answers == {F.USE_CASE: use_case} and unanswered is None
    hedged_role = turn(F.USE_CASE, "maybe I'm the CTO", role="CTO")  # another fact: no use case, as before
    assert new_answers(hedged_role, T0)[0] == {F.ROLE: "CTO"}
