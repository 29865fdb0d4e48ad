"""A question put to the assistant with facts in it when no profile question was asked ("does it work for a 3
person startup?" after the visit's questions): the facts are taken and the question gets an answer, not "Thanks,
noted." (seen over REST until stop 29)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profiling import ValidateProfileForm
from nurture_engine.domain import ProfileField
from nurture_engine.service import NurtureService

from .test_actions import CONV, DOMAIN, responses
from .test_actions import tracker as bare_tracker

DONE = {"profile_asked": ["use_case", "role", "company_size"], "profile_thanked": True, "use_case": "x",
        "role": {"title": "CTO", "seniority": "c_level"}}


def tracker(**kw: Any) -> Tracker:
    """The user's turn as Rasa sends it: the assistant listened before it (not the form re-run after a digression)."""
    t = bare_tracker(**kw)
    position = next(i for i, e in enumerate(t.events) if e["event"] == "user")
    t.events.insert(position, {"event": "action", "name": "action_listen"})
    return t


async def test_a_question_after_the_visits_questions_gets_the_faq_answer(service: NurtureService) -> None:
    text = "does it work for a 3 person startup?"
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(
        slots=DONE, new_slots={"company_size": "3 person"}, text=text), DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq" and message["answer"].startswith("Yes: Pipewise works for teams")
    assert SlotSet("company_size", {"min": 3, "max": 3}) in events
    assert (await service.lead_for(CONV)).profile[ProfileField.COMPANY_SIZE].value == {"min": 3, "max": 3}


async def test_a_question_no_faq_entry_names_is_said_to_be_none_for_here(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, tracker(
        slots=DONE, new_slots={"company_size": "40 people"}, text="is it good for a team of 40 people?"), DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_question"]


async def test_a_statement_is_still_noted_and_a_question_that_started_the_form_answered_before_it(
        service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, tracker(
        slots=DONE, new_slots={"company_size": "3 people"}, text="we're a 3 person startup"), DOMAIN)
    assert responses(dispatcher) == ["utter_noted"]
    first = CollectingDispatcher()  # the first message of the session: the greeting, the answer, the first question
    events = await ValidateProfileForm().run(first, tracker(
        new_slots={"company_size": "3 person"}, text="does it work for a 3 person startup?", first_message=True),
        DOMAIN)
    assert responses(first)[1:] == ["utter_faq"] and events[-1] == SlotSet("requested_slot", "use_case")


async def test_the_form_resumed_after_a_digression_does_not_answer_its_question_again(service: NurtureService) -> None:
    """"do you integrate with HubSpot?" mid-questions: its rule answered it; the form then runs again on the same
    message and must not add "not one I can answer here"."""
    t = tracker(slots=DONE, intent="inform", text="do you integrate with hubspot?")
    t.events.append({"event": "action", "name": "action_answer_product"})
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert "utter_invalid_question" not in responses(dispatcher)


async def test_a_question_back_to_the_timeline_question_is_answered_and_the_question_kept(
        service: NurtureService) -> None:
    """"when can I start?" to "when are you hoping to have this in place?" got "I didn't catch the timing" until
    stop 29: now the FAQ's answer (the trial), then the timeline question again."""
    t = tracker(slots={"requested_slot": "timeline", "profile_asked": ["use_case", "timeline"], "use_case": "x"},
                text="when can I start?", new_slots={"timeline": "when can I start?"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq" and "free trial" in message["answer"]
    assert SlotSet("timeline", None) in events and events[-1] == SlotSet("requested_slot", "timeline")


async def test_a_request_for_information_to_the_use_case_question_is_answered(service: NurtureService) -> None:
    """"tell me about lead routing" to "what would you like help with?" was stored as the use case and met with the
    role question until stop 29: now the FAQ's answer on routing, and the use-case question again."""
    text = "tell me about lead routing"
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, text=text,
                new_slots={"use_case": text})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq" and message["answer"].startswith("Lead routing assigns")
    assert SlotSet("use_case", None) in events and events[-1] == SlotSet("requested_slot", "use_case")
    assert ProfileField.USE_CASE not in (await service.lead_for(CONV)).profile


async def test_a_mistyped_email_after_the_questions_is_said_to_be_one(service: NurtureService) -> None:
    """"sam@@acme.com", which the NLU reads no entity in, got "Thanks, noted." and was dropped until stop 30."""
    done = {**DONE, "company_size": {"min": 20, "max": 20}}
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(slots=done, text="sam@@acme.com"), DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_email"] and SlotSet("email", None) in events
    again = CollectingDispatcher()
    events = await ValidateProfileForm().run(again, tracker(slots=done, text="oops, sam@acme.com"), DOMAIN)
    assert responses(again) == ["utter_noted"] and SlotSet("email", "sam@acme.com") in events
