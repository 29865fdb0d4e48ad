"""A message the assistant cannot help with gets the business's FAQ answer when it names one's words, else what it
can do or a request to rephrase; the second miss in a row, an offer of a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerProduct, ActionOutOfScope

from .test_actions import DOMAIN, tracker

pytestmark = pytest.mark.usefixtures("service")  # the action reads the business's FAQ from nurture.yml
CORE: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain" / "core.yml").read_text())


def user(intent: str, text: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text or intent, "parse_data": {"intent": {"name": intent}, "text": text or intent}}


def answered(intent: str, action: str) -> list[dict[str, Any]]:
    return [user(intent), {"event": "action", "name": action}]


MISS = "action_out_of_scope"


def session(*turns: list[dict[str, Any]], latest: str, earlier: tuple[list[dict[str, Any]], ...] = ()) -> Tracker:
    """A tracker: an earlier session's turns, then this session's turns and the `latest` user message."""
    events = ([{"event": "session_started"}] + [e for turn in earlier for e in turn] + [{"event": "session_started"}]
              + [e for turn in turns for e in turn] + [user(latest)])
    return Tracker.from_dict({"sender_id": "visitor", "slots": {}, "latest_input_channel": "rest", "active_loop": {},
                              "events": events, "latest_message": events[-1]["parse_data"]})


async def reply(tracker: Tracker) -> list[str]:
    return [m["response"] for m in await messages(tracker)]


async def messages(tracker: Tracker) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tracker, CORE)
    return dispatcher.messages


async def test_the_second_message_in_a_row_it_cannot_help_with_gets_an_offer_of_a_person() -> None:
    """"what's the difference between you and Clari?", "lol", "you're useless" got "that's outside what I can help
    with" each until stop 24."""
    earlier = (answered("out_of_scope", MISS),)  # another session's miss does not count
    greeted = answered("greet", "utter_greet")
    assert await reply(session(greeted, latest="out_of_scope", earlier=earlier)) == ["utter_out_of_scope"]
    assert await reply(session(greeted, answered("out_of_scope", MISS), latest="nlu_fallback")) == [
        "utter_offer_person"]
    assert await reply(session(greeted, latest="nlu_fallback")) == ["utter_default"]
    three = session(answered("out_of_scope", MISS), answered("out_of_scope", MISS), latest="out_of_scope")
    assert await reply(three) == ["utter_out_of_scope"]  # offered once per run
    [offer] = CORE["responses"]["utter_offer_person"]
    assert offer["buttons"] == [{"title": "Talk to a person", "payload": "/human_handoff"}]


async def test_a_message_taken_as_an_answer_is_no_miss() -> None:
    """An odd answer to an open question is placed nowhere by the NLU (nlu_fallback) but taken by the form."""
    odd_answer = answered("nlu_fallback", "profile_form")
    assert await reply(session(odd_answer, latest="out_of_scope")) == ["utter_out_of_scope"]


def asked(text: str, intent: str = "out_of_scope") -> Tracker:
    tracker = session(latest=intent)
    tracker.latest_message = user(intent, text)["parse_data"]
    return tracker


async def test_a_question_the_faq_answers_gets_its_answer() -> None:
    """"is there a mobile app?" got "that's outside what I can help with" until stop 25; nurture.yml's
    business.faq answers it, found by its words, whether the NLU read it as off-topic or placed it nowhere."""
    for text, intent in [("is there a mobile app?", "out_of_scope"), ("Can I use it on my iPhone", "nlu_fallback")]:
        [message] = await messages(asked(text, intent))
        assert message["response"] == "utter_faq"
        assert message["answer"].startswith("Yes: Pipewise has iOS and Android apps")
    [message] = await messages(asked("can we import deals from a spreadsheet?"))
    assert "CSV or Excel file" in message["answer"]
    assert await reply(asked("what's the weather like?")) == ["utter_out_of_scope"]
    assert await reply(asked("my app is broken", "nlu_fallback")) == ["utter_default"]  # "app" alone is no entry's


async def test_a_message_the_faq_answered_is_no_miss() -> None:
    faq_turn = [user("out_of_scope", "is there an android app?"), {"event": "action", "name": MISS},
                {"event": "bot", "text": "Yes: ...", "metadata": {"utter_action": "utter_faq"}}]
    assert await reply(session(faq_turn, latest="out_of_scope")) == ["utter_out_of_scope"]
    assert await reply(session(faq_turn, answered("lol", MISS), latest="out_of_scope")) == ["utter_offer_person"]


async def test_the_faq_answers_a_features_integrations_or_content_question_naming_its_words() -> None:
    """"does it have a mobile app?" read as a features question got the features paragraph, which says nothing of
    apps; a named connector and the other answers keep theirs."""
    async def answer(intent: str, text: str) -> dict[str, Any]:
        dispatcher = CollectingDispatcher()
        await ActionAnswerProduct().run(dispatcher, tracker(intent=intent, text=text, active_loop=None), DOMAIN)
        return dispatcher.messages[-1]

    assert (await answer("ask_features", "does it have a mobile app?"))["response"] == "utter_faq"
    assert "Google Sheet" in (await answer("ask_integrations", "can I import from Google Sheets?"))["answer"]
    assert (await answer("ask_integrations", "can I import from Salesforce?"))["response"] == "utter_integrations_named"
    assert "99.9% uptime" in (await answer("request_content", "is there a status page?"))["answer"]
    assert (await answer("ask_features", "what can it do?"))["response"] == "utter_features"
    # nurture.yml's words are specific: importing from LinkedIn is not the spreadsheet answer, nor clients customers
    assert (await answer("ask_integrations", "can I import leads from LinkedIn?"))["response"] == "utter_integrations"
    assert (await answer("ask_features", "can I give my clients access?"))["response"] == "utter_features"
    assert (await answer("ask_pricing", "how much is the mobile app?"))["response"] == "utter_pricing"


async def test_a_message_in_another_language_is_told_the_assistant_speaks_english() -> None:
    """Until stop 28 "hallo, sprechen Sie Deutsch?" got "I'm afraid that's outside what I can help with"; the
    notice is given once a session, then a miss is a miss."""
    dispatcher = CollectingDispatcher()
    t = tracker(intent="out_of_scope", text="hallo, sprechen Sie Deutsch?", active_loop=None)
    assert await ActionOutOfScope().run(dispatcher, t, DOMAIN) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_english_only"]
    assert dispatcher.messages[0]["contact_email"]
    t.events.insert(1, {"event": "bot", "text": "x", "metadata": {"utter_action": "utter_english_only"}})
    again = CollectingDispatcher()
    await ActionOutOfScope().run(again, t, DOMAIN)
    assert [m["response"] for m in again.messages] != ["utter_english_only"]


@pytest.mark.parametrize("text", ["actually can I still ask a question?", "quick question", "hi, I have a question",
                                  "ok, can I ask you something?", "I have a few more questions"])
async def test_leave_to_ask_a_question_is_an_invitation_and_no_miss(text: str) -> None:
    """"actually can I still ask a question?" got "could you rephrase?" until stop 30."""
    assert await reply(asked(text, "nlu_fallback")) == ["utter_ask_away"]
    invited = [user("nlu_fallback", text), {"event": "action", "name": MISS},
               {"event": "bot", "text": "Of course", "metadata": {"utter_action": "utter_ask_away"}}]
    assert await reply(session(invited, latest="out_of_scope")) == ["utter_out_of_scope"]  # not a second miss


@pytest.mark.parametrize("text", ["can I ask a question about pricing?", "I have a question about GDPR",
                                  "question: does it scale?"])
async def test_a_question_with_its_subject_is_not_taken_for_leave_to_ask(text: str) -> None:
    assert await reply(asked(text, "nlu_fallback")) != ["utter_ask_away"]


async def test_a_clear_question_placed_nowhere_gets_where_to_ask_it(service: Any) -> None:
    [message] = await messages(asked("do you have a referral program?", "nlu_fallback"))
    assert message["response"] == "utter_unanswered_question"
    assert message["contact_email"] == service.business.contact_email
    assert await reply(asked("asdf qwerty", "nlu_fallback")) == ["utter_default"]


@pytest.mark.parametrize("text", ["what about zoho?", "and MS Dynamics?", "ok, what about Copper?"])
async def test_one_more_tool_right_after_an_integrations_answer_is_an_integrations_question(text: str) -> None:
    """"what about zoho?" after "do you integrate with Salesforce?" got "that's outside what I can help with" until
    stop 31: the NLU reads it as off-topic without the question before it."""
    integrations = [user("ask_integrations", "do you integrate with Salesforce?"),
                    {"event": "bot", "text": "Yes", "metadata": {"utter_action": "utter_integrations_named"}}]
    t = session(integrations, latest="out_of_scope")
    t.latest_message = user("out_of_scope", text)["parse_data"]
    assert await reply(t) == ["utter_integrations"]
    t.events.insert(-1, {"event": "bot", "text": "x", "metadata": {"utter_action": "utter_integrations"}})
    assert await reply(t) == ["utter_asked_again_integrations"]  # the list once a session


@pytest.mark.parametrize("text", ["what about the weather?", "what about you?", "and what about my other question "
                                  "about your pricing for large teams?"])
async def test_a_follow_up_naming_no_tool_stays_a_miss(text: str) -> None:
    integrations = [user("ask_integrations", "do you integrate with Salesforce?"),
                    {"event": "bot", "text": "Yes", "metadata": {"utter_action": "utter_integrations_named"}}]
    t = session(integrations, latest="out_of_scope")
    t.latest_message = user("out_of_scope", text)["parse_data"]
    assert await reply(t) == ["utter_out_of_scope"]
    later = session(answered("greet", "utter_greet"), latest="out_of_scope")  # no integrations answer just before
    later.latest_message = user("out_of_scope", "what about zoho?")["parse_data"]
    assert await reply(later) == ["utter_out_of_scope"]


async def test_an_answer_read_as_off_topic_is_given_to_the_form(service: Any) -> None:
    """"yesterday" to the timeline question (out_of_scope 0.56) got "that's outside what I can help with" until
    stop 31: it is the timeline, stored (the form's validation does not run after this action's rule), with
    nothing said."""
    from rasa_sdk.events import SlotSet

    from nurture_engine.domain import ProfileField

    from .test_actions import CONV

    t = tracker(intent="out_of_scope", text="yesterday", slots={"requested_slot": "timeline"})
    dispatcher = CollectingDispatcher()
    timeline = {"months": 0, "label": "yesterday"}
    assert await ActionOutOfScope().run(dispatcher, t, DOMAIN) == [SlotSet("timeline", timeline)]
    assert dispatcher.messages == []
    assert (await service.lead_for(CONV)).profile[ProfileField.TIMELINE].value == timeline
    for text, loop in (("what a day", "profile_form"), ("lol", "profile_form"), ("yesterday", None)):
        t = tracker(intent="out_of_scope", text=text, slots={"requested_slot": "timeline"}, active_loop=loop)
        dispatcher = CollectingDispatcher()
        assert await ActionOutOfScope().run(dispatcher, t, DOMAIN) == []
        assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]
