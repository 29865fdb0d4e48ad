""""I'm the head of sales, why do you ask?" to the role question stored the role and went on to the next question
without a word about why (make run, stop 34): the answer is kept and the question explained."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profiling import ValidateProfileForm
from nurture_engine.domain import ProfileField
from nurture_engine.objections import asks_why
from nurture_engine.service import NurtureService
from nurture_engine.testing import PROJECT_ROOT

from .test_actions import CONV, DOMAIN, responses, tracker


async def test_an_answer_that_asks_why_is_kept_and_the_question_explained(service: NurtureService) -> None:
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"]},
                text="I'm the head of sales, why do you ask?",
                new_slots={"role": "head of sales"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_explain_role"]
    assert "utter_explain_role:" in (PROJECT_ROOT / "bot/domain/profiling.yml").read_text()
    assert SlotSet("role", {"title": "Head of Sales", "seniority": "director"}) in events
    assert events[-1] != SlotSet("requested_slot", "role")  # the next question, not the same one again
    assert ProfileField.ROLE in (await service.lead_for(CONV)).profile


async def test_an_answer_alone_gets_no_explanation(service: NurtureService) -> None:
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"]}, text="head of sales",
                new_slots={"role": "head of sales"})
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert "utter_explain_role" not in responses(dispatcher)


@pytest.mark.parametrize(("text", "asks"), [
    ("I'm the head of sales, why do you ask?", True), ("CTO, why?", True), ("50 people. why does it matter?", True),
    ("we're 50 people - what's that for?", True), ("why would you need my email", True),
    ("we want to understand why deals slip", False), ("why not", False), ("I want to know why forecasts fail", False),
])
def test_why_asked(text: str, asks: bool) -> None:
    assert asks_why(text) is asks
