""""What happens next?" is answered from where the lead stands: the assistant never promises a call that nobody
asked for, and tells a visitor who asked for one where it will come from. Onboarding questions, asked at the same
point of a visit, are answered from nurture.yml."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.answers import ActionAnswerNextSteps, ActionAnswerProduct
from actions.handoff import ActionRecordDemoRequest
from nurture_engine.domain import Channel, ConsentStatus, ProfileField
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.testing import memory_service, with_business

CONV = Conversation(channel=Channel.WEB, sender_id="visitor")


def asked() -> Tracker:
    text = "what happens next?"
    return Tracker.from_dict({
        "sender_id": "visitor", "slots": {}, "latest_input_channel": "socketio", "active_loop": {},
        "events": [{"event": "user", "text": text, "parse_data": {"intent": {"name": "ask_next_steps"}},
                    "input_channel": "socketio"}],
        "latest_message": {"intent": {"name": "ask_next_steps"}, "text": text, "entities": []}})


async def answer() -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerNextSteps().run(dispatcher, asked(), {})
    [message] = dispatcher.messages
    # an answer that gives the meeting link marks it given, so that the questions' closing words do not repeat it
    gives_link = {"utter_next_steps_requested", "utter_next_steps_requested_no_email", "utter_next_steps_meeting"}
    assert events == ([SlotSet("meeting_offered", True)] if message["response"] in gives_link else [])
    return message


async def test_a_visitor_who_asked_for_nothing_is_told_nothing_happens_unless_they_want(
        service: NurtureService) -> None:
    message = await answer()
    assert message["response"] == "utter_next_steps_explore"


async def test_after_a_demo_request_the_follow_up_address_is_named(service: NurtureService) -> None:
    await service.record_demo_request(CONV, "request_demo")
    assert (await answer())["response"] == "utter_next_steps_requested_no_email"
    lead = await service.lead_for(CONV)
    await service.record_answers(CONV, {ProfileField.EMAIL: "Ana@Globex.example"}, lead=lead)
    message = await answer()
    assert (message["response"], message["email"]) == ("utter_next_steps_requested", "ana@globex.example")
    assert message["meeting_link"] == service.business.meeting_link


async def test_a_recorded_demo_request_marks_the_meeting_link_given(service: NurtureService) -> None:
    """"what happens next?" after booking a demo got the meeting link twice until stop 29: the questions' closing
    words offered it again."""
    dispatcher = CollectingDispatcher()
    events = await ActionRecordDemoRequest().run(dispatcher, asked(), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_demo_booked_no_email"]  # no email slot in `asked()`
    assert events == [SlotSet("meeting_offered", True)]


async def test_a_sales_ready_lead_is_pointed_to_the_meeting_link(service: NurtureService) -> None:
    lead = await service.lead_for(CONV)
    await service.record_answers(CONV, {ProfileField.ROLE: "VP of Sales", ProfileField.COMPANY_SIZE: "300 people",
                                        ProfileField.TIMELINE: "this quarter",
                                        ProfileField.USE_CASE: "pipeline forecasting"}, lead=lead)
    assert (await service.lead_for(CONV)).stage.value in {"mql", "sql"}
    message = await answer()
    assert message["response"] == "utter_next_steps_meeting"
    assert message["product"] == service.business.product


async def test_an_opted_out_visitor_is_told_no_messages_will_come(service: NurtureService) -> None:
    await service.set_consent(CONV, ConsentStatus.OPTED_OUT, "STOP")
    assert (await answer())["response"] == "utter_next_steps_opted_out"


async def test_a_claimed_lead_hears_that_a_person_is_on_it_even_after_a_request(service: NurtureService) -> None:
    await service.record_demo_request(CONV, "contact_sales")
    await service.claim((await service.lead_for(CONV)).id, "U123SALES")
    assert (await answer())["response"] == "utter_next_steps_claimed"


def onboarding_question() -> Tracker:
    t = asked()
    t.latest_message["intent"] = {"name": "ask_onboarding"}
    return t


async def test_onboarding_is_answered_from_nurture_yml(service: NurtureService) -> None:
    """"how long does onboarding take?" was answered with the pricing or the next steps until stop 23."""
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, onboarding_question(), {})
    [message] = dispatcher.messages
    assert (message["response"], message["onboarding"]) == ("utter_onboarding", service.business.onboarding)


async def test_without_an_onboarding_answer_the_team_is_offered(service: NurtureService) -> None:
    settings = with_business(onboarding="")
    runtime.install_service(memory_service(settings)[0])
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, onboarding_question(), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_onboarding_ask_team"
    assert message["contact_email"] == settings.business.contact_email


def asked_again(intent: str, said: str, *, earlier_session: bool = False, text: str = "and again?") -> Tracker:
    """A question with `intent`, after the assistant said `said` in this session (or in an earlier one)."""
    events: list[dict[str, Any]] = [{"event": "session_started"},
                                    {"event": "bot", "text": "...", "metadata": {"utter_action": said}}]
    if earlier_session:
        events.append({"event": "session_started"})
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}})
    return Tracker.from_dict({"sender_id": "visitor", "slots": {}, "latest_input_channel": "rest", "active_loop": {},
                              "events": events, "latest_message": {"intent": {"name": intent}, "text": text}})


async def test_a_long_answer_is_given_once_per_session(service: NurtureService) -> None:
    """"what would it cost for 40 reps?", "hmm that's pricey", "any discounts for bigger teams?" got the same pricing
    paragraph three times until stop 24; the second time now offers the sales team."""
    replies = []
    for tracker in (asked_again("ask_pricing", "utter_pricing"), asked_again("ask_privacy", "utter_privacy"),
                    asked_again("ask_pricing", "utter_pricing", earlier_session=True),
                    asked_again("ask_pricing", "utter_features"),
                    asked_again("ask_integrations", "utter_integrations", text="do you integrate with Zoho?")):
        dispatcher = CollectingDispatcher()
        await ActionAnswerProduct().run(dispatcher, tracker, {})
        replies.append([m["response"] for m in dispatcher.messages])
    assert replies == [["utter_asked_again"], ["utter_asked_again_privacy"], ["utter_pricing"], ["utter_pricing"],
                       ["utter_asked_again_integrations"]]  # on the topic: the API and webhooks, not "a quote"


async def test_a_question_asked_again_that_the_faq_answers_gets_that_answer(service: NurtureService) -> None:
    """"do you have a free plan?" after the pricing paragraph got "I've shared what I can about that just above"
    until stop 25; the FAQ has the specific answer."""
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, asked_again("ask_pricing", "utter_pricing",
                                                            text="do you have a free plan?"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq" and "no free-forever plan" in message["answer"]
    dispatcher = CollectingDispatcher()  # the first time, the FAQ's answer and then the prices (since stop 30)
    await ActionAnswerProduct().run(dispatcher, asked_again("ask_pricing", "utter_features",
                                                            text="do you have a free plan?"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq", "utter_pricing"]
