"""Glue between rasa-sdk (which builds actions without arguments) and the engine's composition root.

The service is built lazily on first use, never at import time; tests install their own with
`install_service`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine import faq
from nurture_engine.bootstrap import build_service
from nurture_engine.config import load_settings
from nurture_engine.conversation import Conversation, channel_of
from nurture_engine.domain import ProfileField
from nurture_engine.language import foreign_language
from nurture_engine.next_steps import asks_for_trial
from nurture_engine.profiling import VisitState
from nurture_engine.service import NurtureService
from nurture_engine.turn_answers import reads_as_answer

_service: NurtureService | None = None
_lock = asyncio.Lock()


MEETING_OFFERED = "meeting_offered"
"""The slot that says the meeting link was given this session: the questions' closing words do not offer it again."""


def install_service(service: NurtureService | None) -> None:
    global _service
    _service = service


async def service() -> NurtureService:
    global _service
    async with _lock:
        if _service is None:
            built = build_service(load_settings())
            await built.start()
            _service = built
    return _service


def conversation(tracker: Tracker) -> Conversation:
    return Conversation(channel=channel_of(tracker.get_latest_input_channel()), sender_id=tracker.sender_id)


def _fields(value: Any) -> tuple[ProfileField, ...]:
    names = value if isinstance(value, list) else []
    return tuple(ProfileField(n) for n in names if n in ProfileField._value2member_map_)


def visit_state(tracker: Tracker) -> VisitState:
    known = frozenset(f for f in ProfileField if tracker.get_slot(f.value) is not None)
    return VisitState(known=known, asked=_fields(tracker.get_slot("profile_asked")),
                      refused=frozenset(_fields(tracker.get_slot("profile_refused"))),
                      invalid=frozenset(_fields(tracker.get_slot("profile_invalid"))))


def as_text(value: Any) -> str | None:
    """A slot candidate as the user's words (entity lists give their first value)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value if isinstance(value, str) else None


def session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the conversation's current session (Rasa sends earlier sessions' too)."""
    events = tracker.events
    start = max((i for i, e in enumerate(events) if e.get("event") == "session_started"), default=-1)
    return list(events[start + 1:])


def previous_turn(events: list[dict[str, Any]]) -> tuple[int, int] | None:
    """Where, in `events`, the visitor's message before the latest one and the latest one are: the events between
    them are the assistant's reply to the former. None before the visitor's second message."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    return (users[-2], users[-1]) if len(users) >= 2 else None


def uttered(event: dict[str, Any]) -> str | None:
    """The response a bot event said (Rasa puts its name in the event's metadata), if any."""
    name = (event.get("metadata") or {}).get("utter_action") if event.get("event") == "bot" else None
    return name if isinstance(name, str) else None


def said_in_session(tracker: Tracker) -> set[str]:
    """The responses uttered in this session."""
    return {name for name in map(uttered, session_events(tracker)) if name is not None}


async def say_english_only(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Says the assistant speaks English only when the latest message is in another language and this session has
    not said so yet (nurture_engine/language.py): once, kept or not, before the next question or miss reply.
    Returns whether it said it."""
    text = as_text(tracker.latest_message.get("text"))
    if not (text and foreign_language(text)) or "utter_english_only" in said_in_session(tracker):
        return False
    dispatcher.utter_message(response="utter_english_only", contact_email=(await service()).business.contact_email)
    return True


async def faq_answer(tracker: Tracker) -> str | None:
    """The business FAQ's answer to the latest message (nurture_engine/faq.py), if it names an entry's words."""
    entry = faq.answer_for(as_text(tracker.latest_message.get("text")) or "", (await service()).business.faq)
    return entry.answer if entry else None


def response_payload(domain: DomainDict, response: str) -> dict[str, str]:
    """The custom payload of a domain response that holds words for an action to put together ("utter_my_data_labels",
    "utter_pricing_quote_parts"), so the words stay in the domain; {} when it has none."""
    variants = (domain.get("responses") or {}).get(response) or [{}]
    custom = variants[0].get("custom") if isinstance(variants[0], dict) else None
    return {str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {}


def requested_field(tracker: Tracker) -> ProfileField | None:
    """The profile question being asked (the form's requested slot), if any."""
    name = tracker.get_slot("requested_slot")
    return ProfileField(name) if name in ProfileField._value2member_map_ else None


async def answers_asked(tracker: Tracker) -> bool:
    """Whether the latest message answers the profile question being asked, by the engine's own reading (a
    head-count, budget or timeline), whatever the NLU made of it."""
    return reads_as_answer(requested_field(tracker), as_text(tracker.latest_message.get("text")),
                           (await service()).now())


async def store_asked_answer(tracker: Tracker) -> list[SlotSet]:
    """Stores the latest message as the answer to the profile question being asked when the engine reads it as one
    (`answers_asked`), returning its slot: for a message read as off-topic, whose rule returns to the form without
    the form's validation ("yesterday" to the timeline question). [] when it is no such answer."""
    field, text = requested_field(tracker), as_text(tracker.latest_message.get("text"))
    if tracker.active_loop.get("name") != "profile_form" or field is None or not await answers_asked(tracker):
        return []
    outcome = await (await service()).record_answers(conversation(tracker), {field: text or ""}, message=text,
                                                     asked=field)
    return [SlotSet(f.value, value) for f, value in outcome.accepted.items()]


def trial_kind(tracker: Tracker) -> list[SlotSet]:
    """demo_kind "trial" for a request_demo message that asks for the trial ("can I try it for free?"): the intro and
    the booking words say so (until stop 34 it heard "let's set up a demo"). Said after Rasa's own extraction, by the
    global slot validation and by the demo form's, which sets the slot from the intent again when it starts."""
    message = tracker.latest_message
    text = as_text(message.get("text")) or ""
    asked = (message.get("intent") or {}).get("name") == "request_demo" and asks_for_trial(text)
    return [SlotSet("demo_kind", "trial")] if asked else []
