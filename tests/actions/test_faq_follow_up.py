"""The business FAQ in product answers. A follow-up to an FAQ answer ("what about Gong?" after "how do you compare
to HubSpot?") got the features paragraph until stop 30: follow-ups followed intents, not FAQ entries. It now says
the answer above is all there is, and where to ask for more."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerProduct
from actions.profiling import ValidateProfileForm
from nurture_engine.service import NurtureService

from .test_actions import DOMAIN, responses, tracker


def conversation(first_reply: str, text: str, intent: str = "ask_features") -> Tracker:
    def user(words: str, name: str) -> dict[str, Any]:
        return {"event": "user", "text": words, "parse_data": {"intent": {"name": name}}, "input_channel": "socketio"}

    events = [{"event": "session_started"}, user("how do you compare to hubspot?", "out_of_scope"),
              {"event": "bot", "text": "...", "metadata": {"utter_action": first_reply}}, user(text, intent)]
    return Tracker.from_dict({"sender_id": "visitor", "slots": {}, "events": events, "active_loop": {},
                              "latest_message": {"intent": {"name": intent}, "text": text, "entities": []},
                              "latest_input_channel": "socketio"})


async def reply(first_reply: str, text: str, intent: str = "ask_features") -> dict[str, Any]:
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, conversation(first_reply, text, intent), {})
    [message] = dispatcher.messages
    return message


async def test_a_follow_up_to_an_faq_answer_points_to_the_team(service: NurtureService) -> None:
    for text in ("what about Gong?", "and Clari?", "ok, what about Gong?"):
        message = await reply("utter_faq", text)
        assert message["response"] == "utter_faq_follow_up", text
        assert message["meeting_link"] == service.business.meeting_link


async def test_a_follow_up_naming_an_faq_entry_gets_that_entry(service: NurtureService) -> None:
    message = await reply("utter_faq", "what about a mobile app?")
    assert message["response"] == "utter_faq" and "iOS" in message["answer"]


async def test_without_an_faq_answer_before_it_the_intent_answers(service: NurtureService) -> None:
    assert (await reply("utter_pricing", "what about Gong?"))["response"] == "utter_features"
    # a new question, not a follow-up
    assert (await reply("utter_faq", "what features do you have?"))["response"] == "utter_features"
    # a named connector keeps its own answer
    assert (await reply("utter_faq", "and HubSpot?", "ask_integrations"))["response"] == "utter_integrations_named"


async def test_a_pricing_question_an_faq_entry_answers_gets_it_before_the_prices(service: NurtureService) -> None:
    """"is there a discount for nonprofits?" got the price list alone until stop 30."""
    dispatcher = CollectingDispatcher()
    t = conversation("utter_greet", "is there a discount for nonprofits?", "ask_pricing")
    await ActionAnswerProduct().run(dispatcher, t, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq", "utter_pricing"]
    assert "nonprofits" in dispatcher.messages[0]["answer"]
    plain = CollectingDispatcher()
    await ActionAnswerProduct().run(plain, conversation("utter_greet", "how much is it?", "ask_pricing"), {})
    assert [m["response"] for m in plain.messages] == ["utter_pricing"]


async def test_a_follow_up_naming_a_feature_gets_the_features_answer(service: NurtureService) -> None:
    """"and deal-risk alerts?" after the lead-routing FAQ answer got "that's all I have on it beyond the answer above"
    (make run, stop 34): a feature the features paragraph names is a topic of its own."""
    assert "deal-risk alerts" in service.business.features
    assert (await reply("utter_faq", "and deal-risk alerts?"))["response"] == "utter_features"
    assert (await reply("utter_faq", "and Gong?"))["response"] == "utter_faq_follow_up"


async def test_a_feature_followed_up_instead_of_an_answer_is_answered(service: NurtureService) -> None:
    """The same to the use-case question got "Good question, but not one I can answer here" (make run, stop 34)."""
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, text="and deal-risk alerts?",
                new_slots={"use_case": "and deal-risk alerts?"})
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_features"]
