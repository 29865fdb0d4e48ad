"""Refusals inside the questions: one question declined, or all of them for this visit."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profiling import ValidateProfileForm
from nurture_engine.service import NurtureService

from .test_actions import DOMAIN, responses, tracker


async def test_a_refusal_is_accepted_once(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"], "use_case": "x"},
                intent="deny", text="I'd rather not say")
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert SlotSet("profile_refused", ["role"]) in events
    assert events[-1] == SlotSet("requested_slot", "company_size")
    assert responses(dispatcher) == ["utter_refusal_ok"]


async def test_not_interested_ends_the_questions_without_thanks(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"], "use_case": "routing"},
                intent="not_now", text="not interested, thanks")
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert events[-1] == SlotSet("requested_slot", None)
    assert responses(dispatcher) == ["utter_questions_stopped"]
