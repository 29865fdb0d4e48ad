""""can we do Thursday afternoon?" after the demo was booked got "that's outside what I can help with" and the time
was lost (make run, stop 34). Now it goes to the team with the lead, and the visitor gets the calendar link."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionOutOfScope
from actions.handoff import ActionRecordDemoRequest
from actions.meeting_time import time_in_request
from nurture_engine.domain import Channel
from nurture_engine.meeting_time import proposed_time
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.testing import PROJECT_ROOT

from .test_demo_form import bot, user

CONV = Conversation(channel=Channel.WEB, sender_id="visitor")
BOOKED = [user("I want a demo", "request_demo"), bot("utter_demo_intro"), bot("utter_ask_email"),
          user("kai@brightwave.co"), bot("utter_demo_booked")]


def after(earlier: list[dict[str, Any]], text: str, *, offered: bool = True) -> Tracker:
    events = [{"event": "session_started"}, *earlier, {"event": "action", "name": "action_listen"},
              user(text, "out_of_scope")]
    return Tracker.from_dict({"sender_id": "visitor", "slots": {"meeting_offered": offered}, "events": events,
                              "active_loop": {}, "latest_input_channel": "socketio",
                              "latest_message": {"intent": {"name": "out_of_scope"}, "text": text, "entities": []}})


async def test_a_time_proposed_after_a_booked_demo_goes_to_the_team(service: NurtureService) -> None:
    await service.record_demo_request(CONV, "request_demo")
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, after(BOOKED, "can we do Thursday afternoon?"), {})
    assert [(m["response"], m["when"]) for m in dispatcher.messages] == [("utter_meeting_time_noted",
                                                                          "Thursday afternoon")]
    assert "utter_meeting_time_noted:" in (PROJECT_ROOT / "bot/domain/sales.yml").read_text()
    kinds = [(i.kind, i.data) for i in await service.interactions((await service.lead_for(CONV)).id)]
    assert kinds == [("demo_request", {"kind": "request_demo"}), ("meeting_time", {"when": "Thursday afternoon"})]


async def test_a_time_proposed_after_an_offered_call_is_the_request(service: NurtureService) -> None:
    """The closing words offered a call ("pick a slot: …"); "tomorrow at 3pm works" takes it up."""
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, after([bot("utter_offer_meeting")], "tomorrow at 3pm works"), {})
    assert dispatcher.messages[0]["response"] == "utter_meeting_time_noted"
    lead = await service.lead_for(CONV)
    assert lead.demo_requested_at is not None
    assert [i.kind for i in await service.interactions(lead.id)] == ["demo_request", "meeting_time"]


async def test_a_day_named_with_no_call_in_sight_is_no_proposal(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, after([bot("utter_greet")], "can we do Thursday?", offered=False), {})
    assert [m["response"] for m in dispatcher.messages] != ["utter_meeting_time_noted"]
    assert (await service.lead_for(CONV)).demo_requested_at is None


@pytest.mark.parametrize(("text", "when"), [
    ("can we do Thursday afternoon?", "Thursday afternoon"), ("tomorrow at 3pm works", "tomorrow at 3pm"),
    ("how about monday morning", "monday morning"), ("is 10:30 ok?", "10:30"), ("friday", "friday"),
    ("any time next week is fine", "next week"), ("in the morning is better for me", "in the morning"),
    ("I was off on Monday", None), ("friday, I was off", None), ("we want better forecasts", None),
    ("next quarter maybe", None), ("can we talk on Tuesday " + "x" * 200, None),
])
def test_proposed_time(text: str, when: str | None) -> None:
    assert proposed_time(text) == when


async def test_a_time_in_the_request_or_the_email_goes_with_the_booking(service: NurtureService) -> None:
    """"can I talk to a human? Tuesday at 2pm suits me", then the email: the time was lost with the first message."""
    request = user("can someone call me Tuesday at 2pm?", "human_handoff")
    t = Tracker.from_dict({"sender_id": "visitor", "slots": {"email": "kai@brightwave.co"}, "active_loop": {},
                           "events": [{"event": "session_started"}, user("next quarter"), request,
                                      bot("utter_demo_intro"), bot("utter_ask_email"), user("kai@brightwave.co")],
                           "latest_message": {"intent": {"name": "inform"}, "text": "kai@brightwave.co"},
                           "latest_input_channel": "socketio"})
    await ActionRecordDemoRequest().run(CollectingDispatcher(), t, {})
    lead = await service.lead_for(CONV)
    assert [(i.kind, i.data) for i in await service.interactions(lead.id)] == [
        ("demo_request", {"kind": "request_demo"}), ("meeting_time", {"when": "Tuesday at 2pm"})]
    assert time_in_request(Tracker.from_dict({**t.current_state(), "events": [request, user("kai@x.co")]})) == (
        "Tuesday at 2pm")
    before = [user("friday"), user("can I talk to a person?", "human_handoff"), user("kai@x.co")]
    assert time_in_request(Tracker.from_dict({**t.current_state(), "events": before})) is None  # before the request
