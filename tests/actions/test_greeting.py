"""The introduction once a session; "Hi again" to a later greeting in the same session."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import ActionGreet

from .test_actions import DOMAIN, responses


def session(*bot_responses: str, earlier: tuple[str, ...] = ()) -> Tracker:
    """A chat whose current session has the assistant's `bot_responses`; `earlier` ones in a previous session."""
    def said(name: str) -> dict[str, Any]:
        return {"event": "bot", "text": name, "metadata": {"utter_action": name}}
    events = [{"event": "session_started"}, *map(said, earlier), {"event": "session_started"},
              *map(said, bot_responses),
              {"event": "user", "text": "hello again", "parse_data": {"intent": {"name": "greet"}}}]
    return Tracker.from_dict({"sender_id": "visitor", "slots": {}, "events": events,
                              "latest_message": {"intent": {"name": "greet"}, "text": "hello again"}})


async def greeting(tracker: Tracker) -> list[str]:
    dispatcher = CollectingDispatcher()
    assert await ActionGreet().run(dispatcher, tracker, DOMAIN) == []
    return responses(dispatcher)


async def test_the_first_greeting_of_a_session_is_the_introduction() -> None:
    assert await greeting(session()) == ["utter_greet"]
    assert await greeting(session("utter_ask_pricing_answer")) == ["utter_greet"]  # spoke, but never greeted
    assert await greeting(session(earlier=("utter_greet",))) == ["utter_greet"]  # an earlier session's greeting


async def test_a_later_greeting_in_the_session_is_hi_again() -> None:
    """Until stop 27 "hello again" later in a chat got the whole introduction again."""
    assert await greeting(session("utter_greet", "utter_ask_use_case")) == ["utter_greet_again"]
    assert await greeting(session("utter_greet_by_name")) == ["utter_greet_again"]
    assert await greeting(session("utter_greet_again")) == ["utter_greet_again"]


async def test_a_returning_visitor_whose_name_we_know_is_welcomed_by_it() -> None:
    """Until stop 28 a returning visitor whose name was stored got "Welcome back!" without it."""
    dispatcher = CollectingDispatcher()
    tracker = session()
    tracker.slots.update({"returning": True, "name": "Priya"})
    await ActionGreet().run(dispatcher, tracker, DOMAIN)
    assert [(m["response"], m.get("name")) for m in dispatcher.messages] == [("utter_greet_by_name", "Priya")]
    # a first visit's "hello, I'm Sam": the domain's other variant, "Nice to meet you, Sam!" (until stop 30 the plain
    # introduction, though the name was stored)
    tracker.slots.update({"returning": False, "name": "Sam"})
    assert await greeting(tracker) == ["utter_greet_by_name"]
    tracker.slots.update({"returning": True, "name": None})
    assert await greeting(tracker) == ["utter_greet"]  # the variant "Welcome back!" is the domain's condition
