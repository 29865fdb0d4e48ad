"""Messages read as off-topic (or the NLU's fallback) that still say something the assistant can act on: declining
every question, an introduction, a time proposed for the call, a complaint (stop 34 found each answered "that's
outside what I can help with" or "Sorry, I didn't quite get that")."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from nurture_engine.domain import ProfileField
from nurture_engine.objections import declines_all, is_remark
from nurture_engine.volunteered import introduced_name

from .meeting_time import note_meeting_time
from .runtime import conversation, said_in_session, service, session_events


async def answer_off_topic(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType] | None:
    """The reply to such a message and its events, or None when it is none of them (a miss, or the FAQ's)."""
    if declines_all(text):  # "I don't want to answer questions" with none asked: none this visit
        dispatcher.utter_message(response="utter_questions_stopped")
        return [SlotSet("profile_refused", [f.value for f in ProfileField])]
    if name := introduced_name(text):  # "hi, I'm Jo": a tie of greet and inform, so the fallback
        kept = (await (await service()).record_answers(conversation(tracker), {ProfileField.NAME: name})).accepted
        spoke = any(event.get("event") == "bot" for event in session_events(tracker))
        dispatcher.utter_message(response="utter_noted_name" if spoke else "utter_greet_by_name",
                                 name=kept.get(ProfileField.NAME, name))
        return [SlotSet(ProfileField.NAME.value, v) for v in kept.values()]
    if await note_meeting_time(dispatcher, tracker):  # "can we do Thursday afternoon?" after the demo was booked
        return []
    if is_remark(text):  # "this is useless": an apology and a person offered; the second time, the button to one
        again = "utter_invalid_remark" in said_in_session(tracker)
        dispatcher.utter_message(response="utter_offer_person" if again else "utter_invalid_remark")
        return []
    return None
