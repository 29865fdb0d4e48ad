"""Session start: a returning visitor's known profile is loaded so nothing is asked twice."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .runtime import conversation, service


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        lead = await (await service()).begin_visit(conversation(tracker))
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(f.value, v.value) for f, v in lead.profile.items()]
        events.append(SlotSet("returning", bool(lead.profile)))
        events.append(ActionExecuted("action_listen"))
        return events
