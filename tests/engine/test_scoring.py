from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nurture_engine.domain import Channel, FieldValue, Interaction, Lead, ProfileField, Stage
from nurture_engine.scoring import BehaviourLedger, behaviour_items, decayed, fit_items, total
from nurture_engine.stages import next_stage
from nurture_engine.testing import T0, test_settings

RULES = test_settings().scoring
STAGES = test_settings().stages
INTENTS = ["ask_pricing", "ask_features", "request_demo", "contact_sales", "not_now", "opt_out", "greet",
           "request_content", "inform", None]


def message(intent: str | None, minutes: float, kind: str = "message") -> Interaction:
    return Interaction(kind=kind, intent=intent, channel=Channel.WEB, sender_id="s", at=T0 + timedelta(minutes=minutes))


interactions = st.lists(
    st.builds(message, st.sampled_from(INTENTS), st.floats(min_value=0, max_value=60 * 24 * 20),
              st.sampled_from(["message", "message", "bot_message"])),
    max_size=60,
).map(lambda xs: sorted(xs, key=lambda i: i.at))


@settings(max_examples=300, deadline=None)
@given(interactions)
def test_incremental_scoring_equals_a_full_recompute(history: list[Interaction]) -> None:
    ledger = BehaviourLedger(RULES)
    for interaction in history:
        ledger.apply(interaction)
    assert ledger.items == behaviour_items(history, RULES)
    now = T0 + timedelta(days=30)
    assert total(ledger.items, now, RULES.half_life_days) == total(behaviour_items(history, RULES), now,
                                                                    RULES.half_life_days)


def test_caps_once_and_per_day() -> None:
    history = [message("ask_pricing", 0), message("ask_pricing", 5), message("request_demo", 10),
               message("request_demo", 11), message("ask_pricing", 60 * 25)]
    signals = [(i.signal, i.points) for i in behaviour_items(history, RULES) if i.signal != "reply"]
    assert signals == [("ask_pricing", 10), ("request_demo", 30), ("return_visit", 5), ("ask_pricing", 10)]


def test_behaviour_points_halve_every_half_life() -> None:
    [item] = [i for i in behaviour_items([message("request_demo", 0)], RULES) if i.signal == "request_demo"]
    assert total([item], T0, RULES.half_life_days) == 30
    assert total([item], T0 + timedelta(days=RULES.half_life_days), RULES.half_life_days) == 15


def fv(field: ProfileField, value: object, raw: str = "x") -> FieldValue:
    return FieldValue(field=field, value=value, raw=raw, conversation_id="s", at=T0)


def test_fit_of_a_revops_lead_is_explained() -> None:
    profile = {
        ProfileField.ROLE: fv(ProfileField.ROLE, {"title": "Head of Revenue Operations", "seniority": "director"}),
        ProfileField.COMPANY_SIZE: fv(ProfileField.COMPANY_SIZE, {"min": 200, "max": 500}, "a few hundred"),
        ProfileField.BUDGET: fv(ProfileField.BUDGET,
                                {"amount": 40000, "max": None, "currency": "USD", "period": "year"}),
        ProfileField.TIMELINE: fv(ProfileField.TIMELINE, {"months": 2, "label": "this quarter"}),
        ProfileField.USE_CASE: fv(ProfileField.USE_CASE, "pipeline forecasting"),
    }
    items = {i.signal: i.points for i in fit_items(profile, RULES)}
    assert items == {"fit_role": 15, "fit_company_size": 15, "fit_budget": 10, "fit_timeline": 15, "fit_use_case": 10}


@pytest.mark.parametrize(("size", "raw", "reason"), [
    ({"min": 200, "max": 500}, "a few hundred", "company of 200-500 people"),
    ({"min": 40, "max": 40}, "a 40 person", "company of 40 people"),  # "We're a 40 person agency"
    ({"min": 1000, "max": None}, "over a thousand", "company of 1,000+ people"),
])
def test_the_company_size_reason_says_the_size_not_the_words_it_was_given_in(size: dict[str, int | None],
                                                                             raw: str, reason: str) -> None:
    [item] = fit_items({ProfileField.COMPANY_SIZE: fv(ProfileField.COMPANY_SIZE, size, raw)}, RULES)
    assert item.reason == reason


def test_a_student_scores_negative_fit_and_a_competitor_is_flagged() -> None:
    student = fit_items({ProfileField.ROLE: fv(ProfileField.ROLE, {"title": "Student", "seniority": "student"})}, RULES)
    assert [(i.signal, i.points) for i in student] == [("fit_role", -25)]
    rival = fit_items({ProfileField.COMPANY: fv(ProfileField.COMPANY, "Gong.io")}, RULES)
    assert rival[0].signal == "competitor"


def lead(stage: Stage = Stage.NEW, **profile: FieldValue) -> Lead:
    from nurture_engine.domain import Consent, ConsentStatus

    return Lead(id="l", stage=stage, score=0, consent=Consent(status=ConsentStatus.UNKNOWN), created_at=T0,
                profile={ProfileField(k): v for k, v in profile.items()})


def test_stages_follow_thresholds_and_only_move_forward() -> None:
    assert next_stage(lead(), 0, [], STAGES)[0] is Stage.NEW
    assert next_stage(lead(), STAGES.engaged, [], STAGES)[0] is Stage.ENGAGED
    assert next_stage(lead(), STAGES.mql, [], STAGES)[0] is Stage.MQL
    assert next_stage(lead(), STAGES.sql, [], STAGES)[0] is Stage.SQL
    assert next_stage(lead(Stage.MQL), 0, [], STAGES)[0] is Stage.MQL  # decay does not demote


def test_a_demo_request_with_an_email_is_sql() -> None:
    import dataclasses

    asked = dataclasses.replace(lead(email=fv(ProfileField.EMAIL, "a@b.io")), demo_requested_at=T0)
    stage, reason = next_stage(asked, 0, [], STAGES)
    assert stage is Stage.SQL and "demo" in reason


def test_job_seekers_are_disqualified() -> None:
    seeker = lead(role=fv(ProfileField.ROLE, {"title": "Job seeker", "seniority": "none"}))
    assert next_stage(seeker, 90, [], STAGES)[0] is Stage.DISQUALIFIED


@settings(max_examples=200, deadline=None)
@given(interactions, st.floats(min_value=-2, max_value=60))
def test_the_running_decayed_sum_equals_summing_every_item(history: list[Interaction], days_later: float) -> None:
    ledger = BehaviourLedger(RULES)
    for interaction in history:
        ledger.apply(interaction)
    now = T0 + timedelta(days=days_later)
    exact = sum(decayed(item, now, RULES.half_life_days) for item in ledger.items)
    assert abs(ledger.behaviour_total(now) - exact) < 1e-6


def test_made_up_intents_keep_their_reasons_and_do_not_grow_the_reason_cache() -> None:
    """Rasa parses "/anything" as the intent `anything`: reasons stay right, the shared cache stays bounded."""
    from nurture_engine import scoring

    for n in range(1_500):
        found = dict(scoring.signals_of(message(f"made_up_{n}", n), None))
        assert found == {"reply": "sent a message on web", f"made_up_{n}": f"intent made_up_{n}"}
    assert len(scoring._REASONS) <= 1_000
