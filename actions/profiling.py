"""Progressive-profiling actions: the form's validation, the global slot validation, explanations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker, ValidationAction
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.types import DomainDict

from nurture_engine.domain import ProfileField
from nurture_engine.normalize import follow_up_subject, is_follow_up, is_question_back
from nurture_engine.objections import PUT_TO_US, SEND_INFO, asks_why
from nurture_engine.profiling import (
    DIGRESSION_INTENTS,
    Acknowledgement,
    ProfileTurn,
    ProfileTurnResult,
    acknowledge,
    after_questions,
    close_visit,
)
from nurture_engine.turn_answers import best_entity_value

from .answers import answer_product, in_features, last_product_question, trailing_product_question
from .late_email import book_declined_request
from .runtime import (
    MEETING_OFFERED,
    answers_asked,
    as_text,
    conversation,
    faq_answer,
    requested_field,
    say_english_only,
    service,
    session_events,
    trial_kind,
    visit_state,
)

REQUESTED_SLOT = "requested_slot"
ACKNOWLEDGEMENTS = {Acknowledgement.NOTED: "utter_noted", Acknowledgement.NOTED_NAME: "utter_noted_name",
                    Acknowledgement.NOTED_SKIP: "utter_noted_skip",
                    Acknowledgement.REFUSAL_OK: "utter_refusal_ok",
                    Acknowledgement.QUESTIONS_STOPPED: "utter_questions_stopped",
                    Acknowledgement.NUMBER_UNPLACED: "utter_number_unplaced"}


def _entities(tracker: Tracker) -> list[dict[str, Any]]:
    """The entities the NLU read in the latest message."""
    return [e for e in tracker.latest_message.get("entities") or [] if isinstance(e, dict)]


def _slots_this_turn(tracker: Tracker) -> dict[str, Any]:
    """Every slot set since the visitor's last message, the latest value of each. A form validates only its own
    slots; the facts Rasa read beside them ("I'm Dana from Acme" to the demo form's email question) come in
    earlier events (until stop 30 they were lost)."""
    found: dict[str, Any] = {}
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and isinstance(event.get("name"), str):
            found.setdefault(event["name"], event.get("value"))
    return found


def _answers(tracker: Tracker, *, whole_turn: bool = False) -> dict[ProfileField, str]:
    answers: dict[ProfileField, str] = {}
    entities = _entities(tracker)
    slots = {**_slots_this_turn(tracker), **tracker.slots_to_validate()} if whole_turn else tracker.slots_to_validate()
    for name, value in slots.items():
        text = as_text(value)
        if name in ProfileField._value2member_map_ and text:
            read = [str(e["value"]) for e in entities if e.get("entity") == name and isinstance(e.get("value"), str)]
            if len(read) > 1 and text in read:  # Rasa took the last value the NLU read for it; the best one counts
                text = best_entity_value(read) or text
            answers[ProfileField(name)] = text
    return answers


async def step_aside(tracker: Tracker, form: str, validator: str, digressions: frozenset[str], *,
                     whole_turn: bool = False) -> None:
    """On the user's turn, with `form` open, a message of one of `digressions` (intents with a rule of their own
    while it is) is stored for its facts, then the form is rejected: Rasa keeps a form that got any slot, so the
    digression's own rule would never run."""
    intent = tracker.latest_message.get("intent", {}).get("name")
    if (intent in digressions and tracker.active_loop.get("name") == form
            and _last_action(tracker, besides=form) == "action_listen"):
        if intent == "greet" and await answers_asked(tracker):  # "H2" (its entity the timeline): no greeting
            return
        await store_answers(tracker, whole_turn=whole_turn)
        raise ActionExecutionRejection(validator, f"{intent} is not an answer: its own rule applies")


def _last_action(tracker: Tracker, besides: str) -> str | None:
    """The last action run before the form `besides` (Rasa puts the running form in the events it sends)."""
    return next((e.get("name") for e in reversed(tracker.events)
                 if e.get("event") == "action" and e.get("name") != besides), None)


def _entity_texts(tracker: Tracker, message: str | None) -> tuple[str, ...]:
    """The parts of the message the NLU read as entities, as typed (their values may be synonyms)."""
    texts = []
    for entity in _entities(tracker):
        start, end = entity.get("start"), entity.get("end")
        if message and isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(message):
            texts.append(message[start:end])
    return tuple(texts)


def _bot_spoke(tracker: Tracker) -> bool:
    """Whether the assistant has said anything in this session."""
    return any(event.get("event") == "bot" for event in session_events(tracker))


async def _greet(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The first message of a session started the questions with facts: greeted as "hi" is, by name when the
    lead's profile has one (given now, or in an earlier visit)."""
    known = (await (await service()).lead_for(conversation(tracker))).profile.get(ProfileField.NAME)
    if known is not None and isinstance(known.value, str) and known.value:
        dispatcher.utter_message(response="utter_greet_by_name", name=known.value)
    else:
        dispatcher.utter_message(response="utter_greet")


def utter_invalid(dispatcher: CollectingDispatcher, domain: DomainDict, invalid: Mapping[ProfileField, str],
                   question_answered: bool = False) -> None:
    """Re-asks with the reason: `utter_invalid_<field>_<reason>`, else `utter_invalid_<reason>` (any field's, as
    "question"), else `utter_invalid_<field>`, the first the domain has; nothing for a question back that
    `answer_question_back` answered."""
    responses = domain.get("responses", {})
    for field, reason in invalid.items():
        if reason in PUT_TO_US and question_answered:
            continue
        names = (f"utter_invalid_{field.value}_{reason}", f"utter_invalid_{reason}")
        dispatcher.utter_message(response=next((n for n in names if n in responses), f"utter_invalid_{field.value}"))


async def answer_question_back(dispatcher: CollectingDispatcher, tracker: Tracker,
                                invalid: Mapping[ProfileField, str], domain: DomainDict) -> bool:
    """A question put back to a profile question, answered by the business's FAQ ("is there a mobile app?") or,
    when it goes on from the visitor's last product question ("and Pipedrive?" after "do you integrate with
    HubSpot?"), on that topic. Returns whether it was answered."""
    questions = [f for f, reason in invalid.items() if reason in PUT_TO_US]
    if not questions:
        return False
    if SEND_INFO in invalid.values():  # "can you email me more info?": the reading now, and the email question next
        await answer_product(dispatcher, tracker, "request_content", domain)
        return True
    answer = await faq_answer(tracker)
    if answer:
        dispatcher.utter_message(response="utter_faq", answer=answer)
        return True
    message = as_text(tracker.latest_message.get("text")) or ""
    features = in_features(follow_up_subject(message), (await service()).business.features)
    topic = "ask_features" if features else last_product_question(tracker)  # "and deal-risk alerts?" (stop 34)
    if topic is None or not any(is_follow_up(message, f) for f in questions):
        return False
    await answer_product(dispatcher, tracker, topic, domain)
    return True


def _slot_events(result: ProfileTurnResult) -> list[EventType]:
    return [SlotSet(f.value, v) for f, v in result.slots.items()]


async def store_answers(tracker: Tracker, *, whole_turn: bool = False
                        ) -> tuple[list[EventType], dict[ProfileField, str]]:
    """Stores this turn's answers: slot events (rejected ones cleared) and the rejection reasons."""
    answers = _answers(tracker, whole_turn=whole_turn)
    message = as_text(tracker.latest_message.get("text"))
    if not answers and not message:
        return [], {}
    outcome = await (await service()).record_answers(conversation(tracker), answers, message=message)
    values: dict[ProfileField, Any] = {**outcome.accepted, **{f: None for f in outcome.rejected}}
    return [SlotSet(f.value, v) for f, v in values.items()], outcome.rejected


class ValidateProfileForm(FormValidationAction):
    """Validates answers and picks the next question within the per-visit budget."""

    def name(self) -> str:
        return "validate_profile_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        await step_aside(tracker, self.form_name(), self.name(), DIGRESSION_INTENTS)
        message = as_text(tracker.latest_message.get("text"))
        turn = ProfileTurn(answers=_answers(tracker), requested=requested_field(tracker), intent=intent,
                           visit=visit_state(tracker), message=message, said=_entity_texts(tracker, message))
        result = await (await service()).profile_turn(conversation(tracker), turn)
        if turn.requested is None and not _bot_spoke(tracker):
            await _greet(dispatcher, tracker)  # "Hello! Tom here, VP of Sales at Wayne": the facts started the form
        await say_english_only(dispatcher, tracker)  # "Wir suchen ein CRM für unser Vertriebsteam": English next
        if (turn.requested is None and intent not in DIGRESSION_INTENTS
                and _last_action(tracker, besides=self.form_name()) == "action_listen"):  # not after a digression
            await _answer_unasked_question(dispatcher, tracker, message)
        if explained := (turn.requested if intent != "explain" and asks_why(message or "") else None):
            dispatcher.utter_message(response=f"utter_explain_{explained.value}")  # "CTO, why do you ask?" (stop 34)
        ack, name = acknowledge(result, turn.requested), result.slots.get(ProfileField.NAME)
        if ack.before_reask:
            dispatcher.utter_message(response=ACKNOWLEDGEMENTS[ack.before_reask], name=name)
        utter_invalid(dispatcher, domain, result.invalid,
                      bool(explained) or await answer_question_back(dispatcher, tracker, result.invalid, domain))
        if ack.after:
            dispatcher.utter_message(response=ACKNOWLEDGEMENTS[ack.after], name=name)
        topic = trailing_product_question(tracker) if not PUT_TO_US & set(result.invalid.values()) else None
        if topic:  # "I'm Dana from Acme, how much is it?": the facts are kept and the question answered
            await answer_product(dispatcher, tracker, topic, domain)
        events = [*_slot_events(result),
                  *await book_declined_request(dispatcher, tracker, result.slots.get(ProfileField.EMAIL))]
        if result.refused or result.skipped:
            events.append(SlotSet("profile_refused", [f.value for f in result.refused_in_visit]))
        if set(result.invalid_in_visit) != turn.visit.invalid:
            events.append(SlotSet("profile_invalid", [f.value for f in result.invalid_in_visit]))
        next_value = result.next_field.value if result.next_field else None
        if list(result.asked) != list(turn.visit.asked):
            events.append(SlotSet("profile_asked", [f.value for f in result.asked]))
        if next_value is None:  # the visit's questions are done: the form ends with this turn
            closing = await _close(dispatcher, tracker, result)
            after = after_questions(bool(result.slots), turn.intent, turn.message, answered=bool(turn.answers))
            listened = _last_action(tracker, besides=self.form_name()) in ("action_listen", None)
            if not dispatcher.messages and after and listened:  # facts after the questions (not slots filled
                # before a digression that Rasa validates again: "Thanks, noted." after the privacy answer, stop 33)
                dispatcher.utter_message(response=ACKNOWLEDGEMENTS[after])
            events += closing
        events.append(SlotSet(REQUESTED_SLOT, next_value))
        return events


async def _answer_unasked_question(dispatcher: CollectingDispatcher, tracker: Tracker, message: str | None) -> None:
    """A question put to the assistant that came with facts when no profile question was asked ("does it work for
    a 3 person startup?" after the visit's questions): its facts are taken, and it gets the FAQ's answer or "not one
    I can answer here" (until stop 29: "Thanks, noted.")."""
    if not message or not is_question_back(message):
        return
    answer = await faq_answer(tracker)
    if answer:
        dispatcher.utter_message(response="utter_faq", answer=answer)
    else:
        dispatcher.utter_message(response="utter_invalid_question")


async def _close(dispatcher: CollectingDispatcher, tracker: Tracker, result: ProfileTurnResult) -> list[EventType]:
    """The visit's last words, said in the turn that ends the form (no action of its own: one action call and
    one prediction fewer per conversation)."""
    close = close_visit(result, thanked=bool(tracker.get_slot("profile_thanked")),
                        meeting_offered=bool(tracker.get_slot(MEETING_OFFERED)))
    if close.thank:
        dispatcher.utter_message(response="utter_profile_thanks")
    events: list[EventType] = [SlotSet("profile_thanked", True)] if close.thank else []
    if close.offer_meeting:
        svc = await service()
        dispatcher.utter_message(response="utter_offer_meeting", meeting_link=svc.business.meeting_link)
        events.append(SlotSet(MEETING_OFFERED, True))
    elif close.help_only:
        dispatcher.utter_message(response="utter_happy_to_help")
    return events


class ValidateSlotMappings(ValidationAction):
    """Facts volunteered outside a form ("I'm Ana, CTO at Globex") are stored too."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        trial = trial_kind(tracker)  # "can I try it for free?" hears of the trial, not "let's set up a demo"
        if tracker.active_loop.get("name"):
            return trial  # the active form validates its own turn
        events, _ = await store_answers(tracker)  # nothing was asked: an unclear value is just dropped
        email = next((e["value"] for e in events if e["name"] == ProfileField.EMAIL.value), None)
        return [*trial, *events, *await book_declined_request(dispatcher, tracker, email)]


class ActionExplainField(Action):
    """Answers "why do you ask?" for the question being asked (the event broker records the intent)."""

    def name(self) -> str:
        return "action_explain_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        answer = await faq_answer(tracker)
        if answer is not None:  # "who is it for?", read as "why do you ask?" until stop 31
            dispatcher.utter_message(response="utter_faq", answer=answer)
            return []
        field = requested_field(tracker)
        dispatcher.utter_message(response=f"utter_explain_{field.value}" if field else "utter_explain_general")
        return []
