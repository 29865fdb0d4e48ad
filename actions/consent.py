"""Opt-out and opt-in, recorded in the consent ledger; privacy requests, passed on to staff; "what do you know
about me?", answered from this chat."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine.domain import ConsentStatus
from nurture_engine.privacy_requests import PrivacyRight, is_privacy_request, opt_out_is_clear

from .runtime import conversation, previous_turn, response_payload, service


class _ConsentAction(Action, ABC):
    status: ConsentStatus
    response: str

    @abstractmethod
    def name(self) -> str: ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        return await self.record(dispatcher, tracker, tracker.latest_message.get("text") or "")

    async def record(self, dispatcher: CollectingDispatcher, tracker: Tracker, evidence: str) -> list[EventType]:
        """Records the consent change with `evidence` (the words that asked for it) and confirms it."""
        before = await (await service()).set_consent(conversation(tracker), self.status, evidence)
        dispatcher.utter_message(response=self.response_after(before.consent.status))
        return []

    def response_after(self, before: ConsentStatus) -> str:
        """The confirmation, given the lead's consent before the change."""
        return self.response


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


def _check_reply(tracker: Tracker) -> tuple[str, str | None] | None:
    """When the latest message replies to "do you want me to stop sending you messages?": the message that was
    checked, and the form it stopped (the opt-out rules end a form before `action_opt_out` runs), if any."""
    events = list(tracker.events)
    turn = previous_turn(events)
    if turn is None:
        return None
    start, end = turn
    bot = [e for e in events[start:end] if e.get("event") == "bot"]
    if not bot or (bot[-1].get("metadata") or {}).get("utter_action") != "utter_confirm_opt_out":
        return None
    stopped = any(e.get("event") == "active_loop" and e.get("name") is None for e in events[start:end])
    before = next((e for e in reversed(events[:start]) if e.get("event") == "active_loop"), None)
    return events[start].get("text") or "", (before or {}).get("name") if stopped else None


class ActionOptOutReply(Action):
    """"yes" or "no" to the opt-out check. Yes opts out, with both messages as the evidence; no carries on with
    the question the check interrupted. Not after a check, the usual replies to a yes or a no."""

    def name(self) -> str:
        return "action_opt_out_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        yes = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        reply = _check_reply(tracker)
        if reply is None:
            dispatcher.utter_message(response="utter_how_can_help" if yes else "utter_no_problem")
            return []
        checked, form = reply
        if yes:
            text = tracker.latest_message.get("text") or ""
            return await ActionOptOut().record(dispatcher, tracker, f"{checked} / asked to confirm: {text}")
        if form is None:
            dispatcher.utter_message(response="utter_no_problem")
            return []
        dispatcher.utter_message(response="utter_carry_on")
        return [FollowupAction(form)]


class ActionOptIn(_ConsentAction):
    status = ConsentStatus.OPTED_IN
    response = "utter_opted_in"

    def name(self) -> str:
        return "action_opt_in"

    def response_after(self, before: ConsentStatus) -> str:
        """"subscribed again" only to someone who had opted out (until stop 33, also to a new visitor's "/start")."""
        return self.response if before is ConsentStatus.OPTED_OUT else "utter_opted_in_first"


class ActionPrivacyRequest(Action):
    """"Please delete my data": staff are alerted from the interaction; an erasure request stops messages now. A
    message that names no right and no data ("no thanks" read as a request) is answered as not understood."""

    responses = {PrivacyRight.ERASE: "utter_privacy_erase_requested",
                 PrivacyRight.EXPORT: "utter_privacy_export_requested",
                 PrivacyRight.UNSPECIFIED: "utter_privacy_request_received"}

    def name(self) -> str:
        return "action_privacy_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if not is_privacy_request(text):  # a "no" or an off-topic message read as one: nothing to pass on
            dispatcher.utter_message(response="utter_default")
            return []
        svc = await service()
        right = await svc.privacy_request(conversation(tracker), text)
        dispatcher.utter_message(response=self.responses[right], contact_email=svc.business.contact_email)
        return []


class ActionShowMyData(Action):
    """"What do you know about me?": what this chat told us, field by field, and how to have it deleted or get a copy
    of everything; facts from other chats of a merged lead are not shown (nurture_engine/disclosure.py)."""

    def name(self) -> str:
        return "action_show_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        svc = await service()
        shown = await svc.my_data(conversation(tracker))
        email = svc.business.contact_email
        if shown.facts:
            labels = field_labels(domain)
            facts = "; ".join(f"{labels.get(field.value, field.value)}: {text}" for field, text in shown.facts)
            dispatcher.utter_message(response="utter_my_data", facts=facts, contact_email=email)
        else:
            dispatcher.utter_message(response="utter_my_data_none", contact_email=email)
        if shown.elsewhere:
            dispatcher.utter_message(response="utter_my_data_elsewhere")
        return []


def field_labels(domain: DomainDict) -> dict[str, str]:
    """The profile fields' names for utter_my_data's list: the custom payload of the domain's
    "utter_my_data_labels". A field without one is named by its key."""
    return response_payload(domain, "utter_my_data_labels")
