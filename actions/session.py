"""Session start: a returning visitor's known profile is loaded so nothing is asked twice.

A Telegram chat opened from the web widget's deep link (``/start <payload>``) is first attached to the
web visitor's lead, so its profile is loaded here too. The connector forwards the payload in the message
metadata and sends it as ``/session_start``. Rasa 3.6 hands this action the metadata of the message that
opened a session in the ``session_started_metadata`` slot (a brand-new chat, or an expired session);
in an ongoing chat the ``/session_start`` intent runs this action again, with the metadata on the user
event that carries it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine.conversation import Conversation, channel_of
from nurture_engine.linking import METADATA_CHANNEL_KEY, METADATA_PAYLOAD_KEY

from .runtime import said_in_session, service

SESSION_METADATA_SLOT = "session_started_metadata"
SESSION_START_INTENT = "session_start"


def session_metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata of the message that starts this session ({} if none)."""
    slot = tracker.get_slot(SESSION_METADATA_SLOT)
    if isinstance(slot, dict) and slot:
        return slot
    if ((tracker.latest_message or {}).get("intent") or {}).get("name") != SESSION_START_INTENT:
        return {}  # the latest user event belongs to the previous session
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, dict) else {}
    return {}


def session_conversation(tracker: Tracker, metadata: dict[str, Any]) -> Conversation:
    """A new chat's first session start has no user event yet: the connector's metadata names the channel."""
    name = tracker.get_latest_input_channel() or metadata.get(METADATA_CHANNEL_KEY)
    return Conversation(channel=channel_of(name if isinstance(name, str) else None), sender_id=tracker.sender_id)


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        metadata = session_metadata(tracker)
        conv = session_conversation(tracker, metadata)
        svc = await service()
        payload = metadata.get(METADATA_PAYLOAD_KEY)
        if isinstance(payload, str) and payload:
            await svc.redeem_link(conv, payload)
        lead = await svc.begin_visit(conv)
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(f.value, v.value) for f, v in lead.profile.items()]
        events.append(SlotSet("returning", bool(lead.profile)))
        events.append(ActionExecuted("action_listen"))
        return events


GREETINGS = frozenset({"utter_greet", "utter_greet_by_name", "utter_greet_again"})


class ActionGreet(Action):
    """A greeting: the introduction (or "Welcome back, <name>!" to a returning visitor whose name we know) once a
    session; "Hi again" when the assistant has already greeted in this session (until stop 27, "hello again" later
    in a chat got the whole introduction again; until stop 28 a returning Priya got "Welcome back!" without it;
    until stop 30 a new visitor's "hello, I'm Sam" got "Hi there!")."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        greeted = bool(GREETINGS & said_in_session(tracker))
        name = tracker.get_slot("name")
        if greeted:
            dispatcher.utter_message(response="utter_greet_again")
        elif isinstance(name, str) and name.strip():  # "Welcome back, Priya!"; "Nice to meet you, Sam!" to a new
            dispatcher.utter_message(response="utter_greet_by_name", name=name)  # visitor's "hello, I'm Sam"
        else:
            dispatcher.utter_message(response="utter_greet")
        return []
