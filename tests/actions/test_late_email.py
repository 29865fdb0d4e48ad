""""no" to the email question of a person request, then "ok fine, it's jo@acme.io": until stop 33 the email was
stored without a word and the request never recorded (make run). Now the request is booked with it."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.profiling import ValidateSlotMappings
from nurture_engine.domain import Channel
from nurture_engine.service import Conversation, NurtureService

from .test_demo_form import bot, user

CONV = Conversation(channel=Channel.WEB, sender_id="visitor")
EMAIL = "jo@acme.io"


def after(earlier: list[dict[str, Any]], text: str = f"ok fine, it's {EMAIL}") -> Tracker:
    events = [{"event": "session_started"}, *earlier, {"event": "action", "name": "action_listen"}, user(text),
              {"event": "slot", "name": "email", "value": EMAIL}]
    return Tracker.from_dict({"sender_id": "visitor", "slots": {"email": EMAIL, "demo_kind": "human_handoff"},
                              "events": events, "active_loop": {},
                              "latest_message": {"intent": {"name": "inform"}, "text": text,
                                                 "entities": [{"entity": "email", "value": EMAIL}]},
                              "latest_input_channel": "socketio"})


DECLINED = [user("can I talk to a person?", "human_handoff"), bot("utter_demo_intro"),
            {"event": "active_loop", "name": "demo_form"}, bot("utter_ask_email"), user("no", "deny"),
            {"event": "active_loop", "name": None}, bot("utter_demo_declined")]


async def test_an_email_just_after_declining_books_the_request(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateSlotMappings().run(dispatcher, after(DECLINED), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_demo_booked"]
    assert dispatcher.messages[0]["email"] == EMAIL
    assert {"event": "slot", "name": "meeting_offered", "value": True, "timestamp": None} in events
    lead = await service.lead_for(CONV)
    assert lead.demo_requested_at is not None and lead.profile


async def test_an_email_given_later_or_without_a_declined_request_books_nothing(service: NurtureService) -> None:
    later = [*DECLINED, {"event": "action", "name": "action_listen"}, user("what about pricing?", "ask_pricing"),
             bot("utter_pricing")]
    for earlier in (later, [user("hi", "greet"), bot("utter_greet")]):
        dispatcher = CollectingDispatcher()
        await ValidateSlotMappings().run(dispatcher, after(earlier), {})
        assert dispatcher.messages == []
    assert (await service.lead_for(CONV)).demo_requested_at is None
