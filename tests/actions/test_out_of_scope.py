"""A message the assistant cannot help with gets what it can do, or a request to rephrase; the second in a row, an
offer of a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionOutOfScope

CORE: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[2] / "bot" / "domain" / "core.yml").read_text())


def user(intent: str) -> dict[str, Any]:
    return {"event": "user", "text": intent, "parse_data": {"intent": {"name": intent}}}


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
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tracker, CORE)
    return [m["response"] for m in dispatcher.messages]


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
