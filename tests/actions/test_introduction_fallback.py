""""hi, I'm Jo" is a tie of greet and inform, so the NLU's fallback: it got "Sorry, I didn't quite get that" and the
name was lost (make run, stop 34). An introduction read as a fallback or off-topic now gives the name and a greeting."""

from __future__ import annotations

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionOutOfScope
from nurture_engine.domain import ProfileField
from nurture_engine.service import NurtureService

from .test_actions import CONV, DOMAIN, responses, tracker


async def test_an_introduction_read_as_a_fallback_is_greeted_by_name(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(intent="nlu_fallback", text="hi, I'm Jo", active_loop=None, first_message=True)
    events = await ActionOutOfScope().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_greet_by_name"] and dispatcher.messages[0]["name"] == "Jo"
    assert events == [SlotSet("name", "Jo")]
    assert (await service.lead_for(CONV)).profile[ProfileField.NAME].value == "Jo"
    later = CollectingDispatcher()  # the assistant spoke before: no second introduction of itself
    await ActionOutOfScope().run(later, tracker(intent="nlu_fallback", text="I'm Jo", active_loop=None), DOMAIN)
    assert responses(later) == ["utter_noted_name"]


async def test_other_fallbacks_are_misses(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tracker(intent="nlu_fallback", text="I'm Fine", active_loop=None), DOMAIN)
    assert "utter_greet_by_name" not in responses(dispatcher)
    assert ProfileField.NAME not in (await service.lead_for(CONV)).profile


async def test_declining_questions_with_none_asked_stops_them_for_the_visit(service: NurtureService) -> None:
    """"I don't want to answer questions", read as off-topic, got the offer of a person (make run, stop 34)."""
    dispatcher = CollectingDispatcher()
    t = tracker(intent="out_of_scope", text="I don't want to answer questions", active_loop=None)
    events = await ActionOutOfScope().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_questions_stopped"]
    assert events == [SlotSet("profile_refused", [f.value for f in ProfileField])]
