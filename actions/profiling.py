"""Progressive-profiling actions: the form's validation, the global slot validation, explanations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker, ValidationAction
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine.domain import ProfileField, Stage
from nurture_engine.profiling import ProfileTurn, ProfileTurnResult

from .runtime import as_text, conversation, service, visit_state

REQUESTED_SLOT = "requested_slot"


def _answers(tracker: Tracker) -> dict[ProfileField, str]:
    answers: dict[ProfileField, str] = {}
    for name, value in tracker.slots_to_validate().items():
        text = as_text(value)
        if name in ProfileField._value2member_map_ and text:
            answers[ProfileField(name)] = text
    return answers


def _requested(tracker: Tracker) -> ProfileField | None:
    name = tracker.get_slot(REQUESTED_SLOT)
    return ProfileField(name) if name in ProfileField._value2member_map_ else None


def _utter_invalid(dispatcher: CollectingDispatcher, domain: DomainDict, invalid: Mapping[ProfileField, str]) -> None:
    """Re-asks with the reason: `utter_invalid_<field>_<reason>` when the domain has it."""
    responses = domain.get("responses", {})
    for field, reason in invalid.items():
        specific = f"utter_invalid_{field.value}_{reason}"
        dispatcher.utter_message(response=specific if specific in responses else f"utter_invalid_{field.value}")


def _slot_events(result: ProfileTurnResult) -> list[EventType]:
    return [SlotSet(f.value, v) for f, v in result.slots.items()]


async def _store_answers(tracker: Tracker) -> tuple[list[EventType], dict[ProfileField, str]]:
    """Stores this turn's answers: slot events (rejected ones cleared) and the rejection reasons."""
    answers = _answers(tracker)
    if not answers:
        return [], {}
    outcome = await (await service()).record_answers(conversation(tracker), answers)
    values: dict[ProfileField, Any] = {**outcome.accepted, **{f: None for f in outcome.rejected}}
    return [SlotSet(f.value, v) for f, v in values.items()], outcome.rejected


class ValidateProfileForm(FormValidationAction):
    """Validates answers and picks the next question within the per-visit budget."""

    def name(self) -> str:
        return "validate_profile_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        turn = ProfileTurn(answers=_answers(tracker), requested=_requested(tracker),
                           intent=tracker.latest_message.get("intent", {}).get("name"),
                           visit=visit_state(tracker))
        result = await (await service()).profile_turn(conversation(tracker), turn)
        _utter_invalid(dispatcher, domain, result.invalid)
        if result.refused:
            dispatcher.utter_message(response="utter_refusal_ok")
        events = _slot_events(result)
        if result.refused:
            events.append(SlotSet("profile_refused", [f.value for f in result.refused_in_visit]))
        next_value = result.next_field.value if result.next_field else None
        if list(result.asked) != list(turn.visit.asked):
            events.append(SlotSet("profile_asked", [f.value for f in result.asked]))
        events.append(SlotSet(REQUESTED_SLOT, next_value))
        return events


class ValidateDemoForm(FormValidationAction):
    """The demo form needs only an email; it is validated like any profile answer."""

    def name(self) -> str:
        return "validate_demo_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        events, rejected = await _store_answers(tracker)
        _utter_invalid(dispatcher, domain, rejected)
        return events


class ValidateSlotMappings(ValidationAction):
    """Facts volunteered outside a form ("I'm Ana, CTO at Globex") are stored too."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if tracker.active_loop.get("name"):
            return []  # the active form validates its own turn
        events, _ = await _store_answers(tracker)  # nothing was asked: an unclear value is just dropped
        return events


class ActionExplainField(Action):
    """Answers "why do you ask?" for the question being asked (the event broker records the intent)."""

    def name(self) -> str:
        return "action_explain_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        field = _requested(tracker)
        dispatcher.utter_message(response=f"utter_explain_{field.value}" if field else "utter_explain_general")
        return []


class ActionProfileDone(Action):
    """Closes the visit's questions: thanks once per visit when something was answered; a lead that
    is sales-ready (mql or sql) is offered the meeting link; a disqualified one is simply helped."""

    def name(self) -> str:
        return "action_profile_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        visit = visit_state(tracker)
        svc = await service()
        stage = await svc.stage_of(conversation(tracker))
        answered = any(f in visit.known for f in visit.asked)
        thanked = bool(tracker.get_slot("profile_thanked"))
        if answered and not thanked:
            dispatcher.utter_message(response="utter_profile_thanks")
        if stage in (Stage.MQL, Stage.SQL) and not tracker.get_slot("meeting_offered"):
            dispatcher.utter_message(response="utter_offer_meeting", meeting_link=svc.business.meeting_link)
            return [SlotSet("profile_thanked", answered or thanked), SlotSet("meeting_offered", True)]
        if stage is Stage.DISQUALIFIED:
            dispatcher.utter_message(response="utter_happy_to_help")
        return [SlotSet("profile_thanked", answered or thanked)]
