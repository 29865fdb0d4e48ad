"""An email given just after declining to give one for a demo, sales or person request ("no", then "ok fine, it's
jo@acme.io"): the request is booked with it. Until stop 33 the email was stored without a word and the request,
declined a message earlier, was never recorded."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .runtime import MEETING_OFFERED, conversation, previous_turn, service, session_events, uttered


async def book_declined_request(dispatcher: CollectingDispatcher, tracker: Tracker, email: object) -> list[EventType]:
    """Books the request the visitor has just declined for want of an email, now that `email` (accepted this turn)
    is given; nothing otherwise."""
    if not isinstance(email, str) or not email or not declined_just_before(tracker):
        return []
    svc = await service()
    await svc.record_demo_request(conversation(tracker), tracker.get_slot("demo_kind") or "request_demo")
    dispatcher.utter_message(response="utter_demo_booked", email=email, meeting_link=svc.business.meeting_link)
    return [SlotSet(MEETING_OFFERED, True)]


def declined_just_before(tracker: Tracker) -> bool:
    """Whether the assistant's last words before the visitor's latest message declined a request without an email."""
    events = session_events(tracker)
    turn = previous_turn(events)
    said = [uttered(e) for e in events[turn[0]:turn[1]] if e.get("event") == "bot"] if turn else []
    return bool(said) and said[-1] == "utter_demo_declined"
