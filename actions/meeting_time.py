"""A time proposed for the call, after the assistant set one up or offered one ("can we do Thursday afternoon?"): it
goes to the team with the lead, and the visitor gets the calendar to be sure of it. Until stop 34 it was "outside
what I can help with" and lost (nurture_engine/meeting_time.py)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from nurture_engine.domain import REQUEST_INTENTS
from nurture_engine.meeting_time import proposed_time

from .runtime import MEETING_OFFERED, as_text, conversation, said_in_session, service, session_events

BOOKED = frozenset({"utter_demo_booked", "utter_demo_booked_phone", "utter_demo_booked_no_email"})
"""The responses that say a request went to the team in this session."""


async def note_meeting_time(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Records and acknowledges the time the latest message proposes, once a call was set up or offered in this
    conversation (after an offer alone, the proposal is the request). Returns whether it did."""
    when = proposed_time(as_text(tracker.latest_message.get("text")) or "")
    if when is None or not tracker.get_slot(MEETING_OFFERED):
        return False
    svc = await service()
    conv = conversation(tracker)
    if not BOOKED & said_in_session(tracker):
        await svc.record_demo_request(conv, tracker.get_slot("demo_kind") or "request_demo")
    await svc.record_meeting_time(conv, when)
    dispatcher.utter_message(response="utter_meeting_time_noted", when=when, meeting_link=svc.business.meeting_link)
    return True


def time_in_request(tracker: Tracker) -> str | None:
    """The time the visitor proposed in the request being booked ("a demo on Friday at 3pm?") or in a message since
    (the email's: "kai@brightwave.co, Tuesday works"), the latest first."""
    for event in reversed(session_events(tracker)):
        if event.get("event") != "user":
            continue
        if when := proposed_time(as_text(event.get("text")) or ""):
            return when
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") in REQUEST_INTENTS:
            return None
    return None
