from __future__ import annotations

import pytest

from nurture_engine.domain import Channel, ConsentStatus, ProfileField, Stage
from nurture_engine.errors import InvalidValue
from nurture_engine.normalize import normalise
from nurture_engine.objections import declines_all
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation
from nurture_engine.testing import T0, memory_service, test_settings

WEB = Conversation(channel=Channel.WEB, sender_id="visitor-1")


async def test_answers_are_normalised_and_kept_with_provenance() -> None:
    service, _, clock = memory_service()
    outcome = await service.record_answers(WEB, {ProfileField.EMAIL: "Ana@Globex.COM",
                                                 ProfileField.COMPANY_SIZE: "about 450 people"})
    assert outcome.accepted == {ProfileField.EMAIL: "ana@globex.com",
                                ProfileField.COMPANY_SIZE: {"min": 450, "max": 450}}
    lead = await service.lookup(WEB)
    assert lead is not None
    email = lead.profile[ProfileField.EMAIL]
    assert (email.raw, email.conversation_id, email.at) == ("Ana@Globex.COM", "visitor-1", clock.now())


async def test_an_invalid_answer_is_rejected_with_a_reason_and_not_stored() -> None:
    service, _, _ = memory_service()
    outcome = await service.record_answers(WEB, {ProfileField.EMAIL: "ana at globex"})
    assert outcome.rejected == {ProfileField.EMAIL: "missing_at"}
    lead = await service.lead_for(WEB)
    assert ProfileField.EMAIL not in lead.profile


async def test_a_turn_asks_the_next_field_and_grows_the_visit() -> None:
    service, _, _ = memory_service()
    first = await service.profile_turn(WEB, ProfileTurn(answers={}, requested=None, intent="greet",
                                                        visit=VisitState(known=frozenset())))
    assert first.next_field is ProfileField.USE_CASE
    assert first.asked == (ProfileField.USE_CASE,)
    assert not first.changed
    second = await service.profile_turn(WEB, ProfileTurn(
        answers={ProfileField.USE_CASE: "forecasting"}, requested=ProfileField.USE_CASE, intent="inform",
        visit=VisitState(known=frozenset(), asked=first.asked)))
    assert second.slots == {ProfileField.USE_CASE: "forecasting"}
    assert second.next_field is ProfileField.ROLE
    assert second.changed


async def test_a_refusal_is_recorded_once_and_the_form_moves_on() -> None:
    service, _, _ = memory_service()
    result = await service.profile_turn(WEB, ProfileTurn(
        answers={}, requested=ProfileField.USE_CASE, intent="deny",
        visit=VisitState(known=frozenset(), asked=(ProfileField.USE_CASE,))))
    assert result.refused is ProfileField.USE_CASE
    assert result.next_field is ProfileField.ROLE
    lead = await service.lead_for(WEB)
    assert ProfileField.USE_CASE in lead.refused


async def test_not_interested_ends_this_visit_s_questions_but_records_only_the_one_asked() -> None:
    service, _, _ = memory_service()
    result = await service.profile_turn(WEB, ProfileTurn(
        answers={}, requested=ProfileField.ROLE, intent="not_now", message="not interested, thanks",
        visit=VisitState(known=frozenset({ProfileField.USE_CASE}), asked=(ProfileField.USE_CASE, ProfileField.ROLE))))
    assert result.stopped and result.refused is ProfileField.ROLE and result.next_field is None
    assert ProfileField.COMPANY_SIZE in result.refused_in_visit  # not asked again in this visit
    assert (await service.lead_for(WEB)).refused == frozenset({ProfileField.ROLE})  # a later visit may ask


async def test_declining_every_question_stops_them_whatever_the_intent() -> None:
    """"I don't want to answer questions", read as inform, got "Sorry, I didn't catch your role" (make run, stop 34)."""
    service, _, _ = memory_service()
    result = await service.profile_turn(WEB, ProfileTurn(
        answers={ProfileField.ROLE: "I don't want to answer questions"}, requested=ProfileField.ROLE, intent="inform",
        message="I don't want to answer questions", visit=VisitState(known=frozenset(), asked=(ProfileField.ROLE,))))
    assert result.stopped and result.refused is ProfileField.ROLE and result.next_field is None
    assert ProfileField.ROLE not in result.invalid


@pytest.mark.parametrize(("message", "stops"), [
    ("not interested", True), ("Stop asking me questions!", True), ("I'm just browsing", True),
    ("I don't want to answer any of your questions", True), ("I don't want to answer that", False),
    ("I don't want to answer questions", True), ("I'd rather not answer questions", True),  # stop 34: "your role?"
    ("no questions please", True), ("can we skip the questions?", True),
    ("I'd rather not say", False), ("no", False), (None, False), ("x" * 600 + " not interested", False)])
def test_which_refusals_decline_every_question(message: str | None, stops: bool) -> None:
    assert declines_all(message) is stops


async def test_a_later_visit_does_not_ask_known_fields() -> None:
    service, _, _ = memory_service()
    await service.record_answers(WEB, {ProfileField.USE_CASE: "routing", ProfileField.ROLE: "CTO"})
    lead = await service.begin_visit(WEB)
    assert set(lead.profile) == {ProfileField.USE_CASE, ProfileField.ROLE}
    plan = await service.plan(WEB, VisitState(known=frozenset()))
    assert ProfileField.USE_CASE not in plan and ProfileField.ROLE not in plan


async def test_consent_and_demo_requests_are_recorded() -> None:
    service, store, _ = memory_service()
    await service.set_consent(WEB, ConsentStatus.OPTED_OUT, "STOP")
    lead = await service.record_demo_request(WEB, "request_demo")
    assert lead.consent.status is ConsentStatus.OPTED_OUT and lead.consent.source == "web"
    assert lead.demo_requested_at is not None
    kinds = [i.kind for i in await service.interactions(lead.id)]
    assert "demo_request" in kinds
    assert store.consent_ledger[0][1] is ConsentStatus.OPTED_OUT


async def test_the_same_email_on_two_channels_is_one_lead() -> None:
    service, store, _ = memory_service()
    telegram = Conversation(channel=Channel.TELEGRAM, sender_id="42")
    await service.record_answers(WEB, {ProfileField.USE_CASE: "forecasting", ProfileField.ROLE: "CTO",
                                       ProfileField.EMAIL: "ana@globex.com"})
    await service.record_answers(telegram, {ProfileField.EMAIL: "Ana@Globex.com"})
    assert len(store.leads) == 1
    [lead] = store.leads.values()
    assert {i.channel for i in lead.identities} == {Channel.WEB, Channel.TELEGRAM}
    assert {ProfileField.USE_CASE, ProfileField.ROLE, ProfileField.EMAIL} <= set(lead.profile)
    assert store.merges and store.merges[0][0] == lead.id
    assert (await service.lookup(telegram)) == (await service.lookup(WEB))


async def test_a_demo_request_with_an_email_makes_the_lead_sql() -> None:
    service, _, _ = memory_service()
    await service.record_answers(WEB, {ProfileField.EMAIL: "lena@hooli.io"})
    lead = await service.record_demo_request(WEB, "request_demo")
    assert lead.stage is Stage.SQL
    view = await service.view(lead.id)
    assert view.history[-1].stage is Stage.SQL and "demo" in view.history[-1].reason


async def test_a_disqualified_lead_is_not_asked_anything() -> None:
    service, _, _ = memory_service()
    await service.record_answers(WEB, {ProfileField.ROLE: "looking for a job"})
    assert (await service.lead_for(WEB)).stage is Stage.DISQUALIFIED
    assert await service.plan(WEB, VisitState(known=frozenset())) == []


async def test_a_lead_with_only_behaviour_gets_fit_questions_first() -> None:
    from nurture_engine.domain import Identity, Interaction
    from nurture_engine.lead_engine import EventRecord
    from nurture_engine.testing import T0

    settings = test_settings(NURTURE_BUDGET_PER_VISIT="8")
    service, _, _ = memory_service(settings)
    await service.record_answers(WEB, {ProfileField.EMAIL: "a@b.io"})
    identity = Identity(channel=Channel.WEB, sender_id="visitor-1")
    await service.ingest([EventRecord(key="k1", identity=identity, interaction=Interaction(
        kind="message", intent="ask_pricing", channel=Channel.WEB, sender_id="visitor-1", at=T0))])
    plan = await service.plan(WEB, VisitState(known=frozenset()))
    fit = {ProfileField.USE_CASE, ProfileField.ROLE, ProfileField.COMPANY_SIZE, ProfileField.TIMELINE,
           ProfileField.BUDGET}
    assert set(plan[:5]) == fit


async def test_no_questions_for_a_visitor_who_opted_out_until_they_opt_in() -> None:
    """"Stop messaging me": their questions are still answered (rules), the qualifying questions stop."""
    service, _, _ = memory_service()
    visit = VisitState(known=frozenset())
    await service.set_consent(WEB, ConsentStatus.OPTED_OUT, "stop messaging me")
    assert await service.plan(WEB, visit) == []
    await service.set_consent(WEB, ConsentStatus.OPTED_IN, "you can message me again")
    assert (await service.plan(WEB, visit))[0] is ProfileField.USE_CASE


async def test_a_student_is_not_asked_about_a_companys_purchase() -> None:
    """"I'm a student writing my thesis on sales tools" was asked how many people work at their company until stop
    27, also when that question had been asked before the role was known, and which company they were with until
    stop 31."""
    settings = test_settings(NURTURE_BUDGET_PER_VISIT="8")
    service, _, _ = memory_service(settings)
    visit = VisitState(known=frozenset(), asked=(ProfileField.USE_CASE, ProfileField.COMPANY_SIZE))
    assert ProfileField.COMPANY_SIZE in await service.plan(WEB, visit)
    await service.record_answers(WEB, {ProfileField.ROLE: "I'm a student"})
    plan = await service.plan(WEB, visit)
    assert not {ProfileField.COMPANY_SIZE, ProfileField.BUDGET, ProfileField.TIMELINE} & set(plan)
    assert ProfileField.USE_CASE in plan and ProfileField.COMPANY not in plan  # "Which company are you with?"
    await service.record_answers(WEB, {ProfileField.ROLE: "head of sales"})  # no longer a student
    assert ProfileField.COMPANY_SIZE in await service.plan(WEB, visit)


@pytest.mark.parametrize("field", [ProfileField.ROLE, ProfileField.USE_CASE, ProfileField.COMPANY, ProfileField.NAME])
def test_declining_every_question_is_no_answer_to_any(field: ProfileField) -> None:
    """"no questions please", said to the role question, was the role "No Questions Please" when read as inform."""
    for text in ("no questions please", "not interested", "I don't want to answer questions"):
        with pytest.raises(InvalidValue, match="withheld"):
            normalise(field, text, T0)
    assert declines_all("I have no questions") is False
