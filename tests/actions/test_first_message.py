"""A session's first message that gives facts starts the questions without "hi" first: it is greeted as "hi" is,
by name when it gave one (until stop 22 the first question came without a word of greeting)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.profiling import ValidateProfileForm
from nurture_engine.domain import ProfileField
from nurture_engine.service import NurtureService

from .test_actions import CONV, DOMAIN, tracker


async def test_an_introduction_is_greeted_by_name(service: NurtureService) -> None:
    text = "Hello! Tom here, VP of Sales at Wayne Enterprises."
    t = tracker(text=text, new_slots={"name": "Tom", "role": "VP of Sales", "company": "Wayne Enterprises"},
                first_message=True)
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    [greeting] = dispatcher.messages
    assert greeting["response"] == "utter_greet_by_name" and greeting["name"] == "Tom"


async def test_facts_without_a_name_are_greeted_plainly_and_a_returning_name_is_used(
        service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(text="we need better forecasting", new_slots={"use_case": "we need better forecasting"},
                first_message=True)
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet"]
    returning = CollectingDispatcher()  # a name stored in an earlier visit (or by the slot validation before)
    await service.record_answers(CONV, {ProfileField.NAME: "Ana"}, message="I'm Ana")
    t = tracker(slots={"name": "Ana", "returning": True}, text="we're 40 people",
                new_slots={"company_size": "40 people"}, first_message=True)
    await ValidateProfileForm().run(returning, t, DOMAIN)
    assert [(m["response"], m.get("name")) for m in returning.messages] == [("utter_greet_by_name", "Ana")]


async def test_no_greeting_once_the_assistant_has_spoken(service: NurtureService) -> None:
    """After "how much is it?" is answered the form starts too: the visitor has been greeted by then."""
    dispatcher = CollectingDispatcher()
    t = tracker(text="we need better forecasting", new_slots={"use_case": "we need better forecasting"})
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert dispatcher.messages == []
