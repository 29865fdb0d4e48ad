from __future__ import annotations

from dataclasses import replace

import pytest

from nurture_engine.domain import ProfileField as F
from nurture_engine.domain import Stage
from nurture_engine.profiling import ProfileTurnResult, VisitState, close_visit, next_question, plan_questions

ORDER = (F.USE_CASE, F.ROLE, F.COMPANY_SIZE, F.TIMELINE, F.EMAIL, F.BUDGET, F.COMPANY, F.NAME)


def test_a_new_visitor_is_asked_the_most_decisive_fields_within_the_budget() -> None:
    plan = plan_questions(VisitState(known=frozenset()), order=ORDER, budget=3)
    assert plan == [F.USE_CASE, F.ROLE, F.COMPANY_SIZE]


def test_known_fields_are_never_asked() -> None:
    plan = plan_questions(VisitState(known=frozenset({F.USE_CASE, F.COMPANY_SIZE})), order=ORDER, budget=3)
    assert plan == [F.ROLE, F.TIMELINE, F.EMAIL]


def test_the_budget_counts_questions_already_asked_this_visit() -> None:
    state = VisitState(known=frozenset({F.USE_CASE, F.ROLE}), asked=(F.USE_CASE, F.ROLE))
    assert plan_questions(state, order=ORDER, budget=3) == [F.COMPANY_SIZE]
    spent = VisitState(known=frozenset({F.USE_CASE, F.ROLE, F.COMPANY_SIZE}),
                       asked=(F.USE_CASE, F.ROLE, F.COMPANY_SIZE))
    assert next_question(spent, order=ORDER, budget=3) is None


def test_the_pending_question_stays_until_answered() -> None:
    state = VisitState(known=frozenset(), asked=(F.USE_CASE,))
    assert next_question(state, order=ORDER, budget=3) == F.USE_CASE


def test_a_refused_field_is_not_asked_again_and_uses_its_budget() -> None:
    state = VisitState(known=frozenset(), asked=(F.USE_CASE,), refused=frozenset({F.USE_CASE}))
    assert plan_questions(state, order=ORDER, budget=3) == [F.ROLE, F.COMPANY_SIZE]


def test_fields_refused_in_an_earlier_visit_go_last() -> None:
    plan = plan_questions(VisitState(known=frozenset()), order=ORDER, budget=8, refused_before={F.ROLE})
    assert plan[-1] == F.ROLE
    assert plan[0] == F.USE_CASE


def test_a_zero_budget_asks_nothing() -> None:
    assert plan_questions(VisitState(known=frozenset()), order=ORDER, budget=0) == []


def ended(stage: Stage, *, asked: tuple[F, ...], known: frozenset[F], answered: bool = True) -> ProfileTurnResult:
    return ProfileTurnResult(slots={F.ROLE: "CTO"} if answered else {}, invalid={}, refused=None, next_field=None,
                             asked=asked, refused_in_visit=(), known=known, stage=stage)


@pytest.mark.parametrize(("stage", "offer", "help_only"), [
    (Stage.NEW, False, False), (Stage.ENGAGED, False, False), (Stage.MQL, True, False), (Stage.SQL, True, False),
    (Stage.DISQUALIFIED, False, True)])
def test_the_visit_closes_by_stage(stage: Stage, offer: bool, help_only: bool) -> None:
    close = close_visit(ended(stage, asked=(F.ROLE,), known=frozenset({F.ROLE})), thanked=False,
                        meeting_offered=False)
    assert (close.thank, close.offer_meeting, close.help_only) == (True, offer, help_only)


def test_thanks_and_the_meeting_link_come_once_and_only_for_answers_of_this_visit() -> None:
    answered = ended(Stage.SQL, asked=(F.ROLE,), known=frozenset({F.ROLE}))
    assert not close_visit(answered, thanked=True, meeting_offered=True).thank
    assert not close_visit(answered, thanked=True, meeting_offered=True).offer_meeting
    refused_all = ended(Stage.NEW, asked=(F.ROLE,), known=frozenset({F.EMAIL}))  # known from an earlier visit
    assert not close_visit(refused_all, thanked=False, meeting_offered=False).thank
    # the form ends in a turn that answered nothing (a question, then "stop messaging me" ends the visit's plan)
    after_digression = ended(Stage.ENGAGED, asked=(F.ROLE,), known=frozenset({F.ROLE}), answered=False)
    assert not close_visit(after_digression, thanked=False, meeting_offered=False).thank


@pytest.mark.parametrize("stage", [Stage.SQL, Stage.DISQUALIFIED, Stage.ENGAGED])
def test_not_interested_closes_the_visit_with_nothing_more(stage: Stage) -> None:
    """No thanks, no meeting link to a sales-ready lead and no 'happy to help' after "not interested"."""
    stopped = replace(ended(stage, asked=(F.ROLE,), known=frozenset({F.ROLE})), stopped=True)
    close = close_visit(stopped, thanked=False, meeting_offered=False)
    assert (close.thank, close.offer_meeting, close.help_only) == (False, False, False)


def test_after_the_questions_a_number_nothing_took_is_not_noted() -> None:
    from nurture_engine.profiling import Acknowledgement, after_questions
    assert after_questions(True, "inform", "we're 80 people") is Acknowledgement.NOTED
    assert after_questions(False, "inform", "not sure, maybe 80?") is Acknowledgement.NUMBER_UNPLACED
    assert after_questions(False, "inform", "just browsing") is Acknowledgement.NOTED
    assert after_questions(False, "affirm", "80") is None  # not a statement: the rules answer it
