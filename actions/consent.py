"""Opt-out and opt-in, recorded in the consent ledger; privacy requests, passed on to staff."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine.domain import ConsentStatus
from nurture_engine.privacy_requests import PrivacyRight, opt_out_is_clear

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
    """Opts out at once when the message is clear about it; an unsure reading is asked about first (buttons:
    "/opt_out" or "/deny")."""

    status = ConsentStatus.OPTED_OUT
    response = "utter_opted_out"

    def name(self) -> str:
        return "action_opt_out"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message
        confidence = (message.get("intent") or {}).get("confidence")
        if not opt_out_is_clear(message.get("text") or "", None if confidence is None else float(confidence)):
            dispatcher.utter_message(response="utter_confirm_opt_out")
            return []
        return await super().run(dispatcher, tracker, domain)


class ActionOptIn(_ConsentAction):
    status = ConsentStatus.OPTED_IN
    response = "utter_opted_in"

    def name(self) -> str:
        return "action_opt_in"


class ActionPrivacyRequest(Action):
    """"Please delete my data": staff are alerted from the interaction; an erasure request stops messages now."""

    responses = {PrivacyRight.ERASE: "utter_privacy_erase_requested",
                 PrivacyRight.EXPORT: "utter_privacy_export_requested",
                 PrivacyRight.UNSPECIFIED: "utter_privacy_request_received"}

    def name(self) -> str:
        return "action_privacy_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        svc = await service()
        right = await svc.privacy_request(conversation(tracker), tracker.latest_message.get("text") or "")
        dispatcher.utter_message(response=self.responses[right], contact_email=svc.business.contact_email)
        return []
