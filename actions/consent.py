"""Opt-out and opt-in, recorded in the consent ledger."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine.domain import ConsentStatus

from .runtime import conversation, service


class _ConsentAction(Action, ABC):
    status: ConsentStatus
    response: str

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        await (await service()).set_consent(conversation(tracker), self.status, text)
        dispatcher.utter_message(response=self.response)
        return []


class ActionOptOut(_ConsentAction):
    status = ConsentStatus.OPTED_OUT
    response = "utter_opted_out"

    def name(self) -> str:
        return "action_opt_out"


class ActionOptIn(_ConsentAction):
    status = ConsentStatus.OPTED_IN
    response = "utter_opted_in"

    def name(self) -> str:
        return "action_opt_in"
