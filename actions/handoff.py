"""Demo, sales and human requests: recorded with the minimum needed (an email) to follow up."""

from __future__ import annotations

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine.domain import REQUEST_INTENTS, ProfileField
from nurture_engine.objections import PUT_TO_US
from nurture_engine.profiling import DIGRESSION_INTENTS
from nurture_engine.quote import asks_price

from .answers import answer_product, trailing_product_question
from .meeting_time import time_in_request
from .profiling import REQUESTED_SLOT, answer_question_back, step_aside, store_answers, utter_invalid
from .runtime import MEETING_OFFERED, conversation, service, session_events, trial_kind, uttered


class ActionRecordDemoRequest(Action):
    def name(self) -> str:
        return "action_record_demo_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        kind = tracker.get_slot("demo_kind") or "request_demo"
        svc = await service()
        email = tracker.get_slot("email")
        link = svc.business.meeting_link
        if not email and tracker.latest_message.get("intent", {}).get("name") == "deny":
            # "no" to the email question: no email, or no demo ("never mind" reads the same), so nothing is
            # recorded; the link lets them book without one (until stop 30: "No problem. I'm here if you need
            # anything.")
            dispatcher.utter_message(response="utter_demo_declined", meeting_link=link)
            return [SlotSet(MEETING_OFFERED, True)]
        await svc.record_demo_request(conversation(tracker), kind)
        if when := time_in_request(tracker):  # "can I get a demo on Friday at 3pm?"
            await svc.record_meeting_time(conversation(tracker), when)
        # without an email (not given when asked twice) the request still goes to the team, with the phone if given
        phone = tracker.get_slot(ProfileField.PHONE.value)
        booked = "utter_demo_booked" if email else "utter_demo_booked_phone" if phone else "utter_demo_booked_no_email"
        dispatcher.utter_message(response=booked, meeting_link=link, email=email or "", phone=phone or "")
        # the link is given here: "what happens next?" after it got it twice until stop 29 (the questions' closing
        # words offered it again)
        return [SlotSet(MEETING_OFFERED, True)]


class ValidateDemoForm(FormValidationAction):
    """The demo form needs only an email; it is validated like any profile answer. Asked for twice in vain, it
    is let go: the request goes to the team without one (until stop 30 the question came back for ever)."""

    def name(self) -> str:
        return "validate_demo_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        return [*await self._validate(dispatcher, tracker, domain), *trial_kind(tracker)]

    async def _validate(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> list[EventType]:
        await step_aside(tracker, self.form_name(), self.name(), DEMO_FORM_DIGRESSIONS, whole_turn=True)
        events, rejected = await store_answers(tracker, whole_turn=True)
        # only the email was asked for: other facts the request came with are stored, or dropped when unclear
        kept = {e["name"]: e["value"] for e in events if e["name"] != ProfileField.EMAIL.value and e["value"]}
        email_asked = tracker.get_slot(REQUESTED_SLOT) == ProfileField.EMAIL.value
        if kept.get(ProfileField.PHONE.value) and email_asked:
            # a phone number instead ("can someone call me?", then the number): the team has a way to reach them,
            # so the form ends (until stop 33, "Thanks, noted." and the email question again)
            return [*events, SlotSet(REQUESTED_SLOT, None)]  # the number typed as the email is cleared
        if kept and email_asked:
            name = kept.get(ProfileField.NAME.value)
            dispatcher.utter_message(response="utter_noted_name" if name else "utter_noted", name=name)
        topic = trailing_product_question(tracker) or _price_asked_with_request(tracker)
        if topic:  # "I'm Dana from Acme, how much is it?": answered, and the email asked again (no miss)
            await answer_product(dispatcher, tracker, topic, domain)
            return events
        invalid: dict[ProfileField, str] = {f: r for f, r in rejected.items() if f is ProfileField.EMAIL}
        if invalid and invalid[ProfileField.EMAIL] not in (*PUT_TO_US, "ask_away") and _email_asked_again(tracker):
            return [*events, SlotSet(REQUESTED_SLOT, None)]  # the form ends: the request is recorded without one
        utter_invalid(dispatcher, domain, invalid, await answer_question_back(dispatcher, tracker, invalid, domain))
        return events


DEMO_FORM_DIGRESSIONS = DIGRESSION_INTENTS - REQUEST_INTENTS
"""The intents with a rule of their own while the demo form asks for the email (bot/rules): "how much is it? I'm
Dana from Acme" (ask_pricing) gets the prices, and the facts are kept (until stop 30 the form kept it for itself,
having a slot to return)."""


def _price_asked_with_request(tracker: Tracker) -> str | None:
    """ "ask_pricing" for a demo, sales or person request that also asks the price ("I need pricing for 25 seats and
    a demo next week"): until stop 31 the request was taken and the price question lost."""
    message = tracker.latest_message
    intent = (message.get("intent") or {}).get("name")
    asked = intent in ("request_demo", "contact_sales") and asks_price(str(message.get("text") or ""))
    return "ask_pricing" if asked else None


def _email_asked_again(tracker: Tracker) -> bool:
    """Whether the demo form has already said why an answer was no email address, since it started."""
    for event in reversed(session_events(tracker)):
        if event.get("event") == "active_loop" and event.get("name") == "demo_form":
            return False
        if (uttered(event) or "").startswith("utter_invalid_email"):
            return True
    return False
