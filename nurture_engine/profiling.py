"""Progressive profiling: which question to ask next, within the per-visit budget."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from .domain import JSONValue, Lead, ProfileField, Stage
from .numbers import find_numbers
from .objections import PUT_TO_US
from .volunteered import SCAN_CHARS


@dataclass(frozen=True, kw_only=True)
class VisitState:
    """What this visit has done so far (kept in the conversation's slots)."""

    known: frozenset[ProfileField]
    asked: tuple[ProfileField, ...] = ()
    refused: frozenset[ProfileField] = frozenset()
    invalid: frozenset[ProfileField] = frozenset()
    """Fields answered with something invalid in this visit: a second invalid answer skips the question."""


def plan_questions(state: VisitState, *, order: Sequence[ProfileField], budget: int,
                   refused_before: Collection[ProfileField] = ()) -> list[ProfileField]:
    """Fields still to ask this visit, most decisive first.

    A field being asked stays in the plan until it is answered or refused, or `order` leaves it out. New
    fields are added only while the visit's budget lasts; known fields never come back; fields refused in an
    earlier visit go last, and a field refused in this visit is never asked again.
    """
    pending = [f for f in state.asked if f in order and f not in state.known and f not in state.refused]
    remaining = max(0, budget - len(state.asked))
    fresh = [f for f in order
             if f not in state.known and f not in state.refused and f not in state.asked]
    fresh.sort(key=lambda f: f in refused_before)
    return pending + fresh[:remaining]


def next_question(state: VisitState, *, order: Sequence[ProfileField], budget: int,
                  refused_before: Collection[ProfileField] = ()) -> ProfileField | None:
    plan = plan_questions(state, order=order, budget=budget, refused_before=refused_before)
    return plan[0] if plan else None


FIT_FIELDS = frozenset({ProfileField.ROLE, ProfileField.COMPANY_SIZE, ProfileField.BUDGET, ProfileField.TIMELINE,
                        ProfileField.USE_CASE})
"""Fields that say whether a lead fits; a lead whose score is all behaviour is asked these first."""


@dataclass(frozen=True, kw_only=True)
class AnswerOutcome:
    accepted: dict[ProfileField, JSONValue] = field(default_factory=dict)
    rejected: dict[ProfileField, str] = field(default_factory=dict)
    lead: Lead | None = None
    """The lead as stored after the answers (rescored), when any was accepted."""


@dataclass(frozen=True, kw_only=True)
class ProfileTurn:
    """One user turn inside (or outside) the profiling form, as the assistant saw it."""

    answers: Mapping[ProfileField, str]
    requested: ProfileField | None
    intent: str | None
    visit: VisitState
    message: str | None = None
    """The user's message as typed (tells an answer Rasa took as the whole message from one it extracted)."""
    said: tuple[str, ...] = ()
    """The parts of the message the NLU read as entities, as typed ("CRO", where the answer is the synonym it
    maps to, "Chief Revenue Officer")."""


@dataclass(frozen=True, kw_only=True)
class ProfileTurnResult:
    slots: dict[ProfileField, JSONValue]
    invalid: dict[ProfileField, str]
    refused: ProfileField | None
    next_field: ProfileField | None
    asked: tuple[ProfileField, ...]
    refused_in_visit: tuple[ProfileField, ...]
    skipped: ProfileField | None = None
    """The asked field, answered with something invalid a second time this visit: left for another visit."""
    invalid_in_visit: tuple[ProfileField, ...] = ()
    known: frozenset[ProfileField] = frozenset()
    """The fields known after this turn (the visit's `known` with the answers accepted and rejected)."""
    stage: Stage = Stage.NEW
    """The lead's stage after this turn's answers were stored and scored."""
    stopped: bool = False
    """The refusal declined every question ("not interested"): none is asked again in this visit."""

    @property
    def changed(self) -> bool:
        """Whether the turn filled, rejected or refused anything (else the form yields the turn)."""
        return bool(self.slots or self.invalid or self.refused or self.skipped)


class Acknowledgement(Enum):
    """What the assistant says of a profiling turn, besides re-asking and the next question."""

    NOTED = "noted"
    """Facts besides the answer were kept ("Thanks, noted.")."""
    NOTED_NAME = "noted_name"
    """The only fact kept was the visitor's name ("sure, I'm Maya"): "Nice to meet you, Maya." instead."""
    NOTED_SKIP = "noted_skip"
    """Facts were kept instead of the answer, again: the question is left for another visit."""
    REFUSAL_OK = "refusal_ok"
    """A refusal, or a second unclear answer: the question is skipped."""
    QUESTIONS_STOPPED = "questions_stopped"
    """"Not interested": no more questions this visit."""
    NUMBER_UNPLACED = "number_unplaced"
    """A number after the visit's questions that no field took ("not sure, maybe 80?"): "Thanks, noted." was
    untrue until stop 27; the visitor is told what would place it."""


@dataclass(frozen=True)
class TurnAcknowledgement:
    before_reask: Acknowledgement | None
    """Said before "I didn't catch ...": the facts the reply did give."""
    after: Acknowledgement | None
    """Said after any re-ask, before the next question."""


def acknowledge(result: ProfileTurnResult, requested: ProfileField | None) -> TurnAcknowledgement:
    """One decision for every way a reply can leave the asked question: answered (nothing to say but the next
    question), unclear (re-asked), skipped, refused or stopped, or not answered at all; each with or without
    other facts kept."""
    kept = {f for f, value in result.slots.items() if value is not None and f is not requested}
    facts = bool(kept)
    noted = Acknowledgement.NOTED_NAME if ProfileField.NAME in kept else Acknowledgement.NOTED  # greeted by name
    if result.stopped:
        return TurnAcknowledgement(None, Acknowledgement.QUESTIONS_STOPPED)
    if result.refused is not None:
        return TurnAcknowledgement(None, Acknowledgement.REFUSAL_OK)
    if result.skipped is not None and result.invalid.get(result.skipped) in PUT_TO_US:
        return TurnAcknowledgement(noted if facts else None, None)  # the question is answered, then the next one
    if result.skipped is not None:
        return TurnAcknowledgement(None, Acknowledgement.NOTED_SKIP if facts else Acknowledgement.REFUSAL_OK)
    if not facts or requested is None:
        return TurnAcknowledgement(None, None)
    if requested in result.invalid:
        return TurnAcknowledgement(noted, None)
    unanswered = result.slots.get(requested) is None and not result.invalid
    if not unanswered and noted is Acknowledgement.NOTED_NAME:  # "I'm Tom, the SDR manager" to the role question
        return TurnAcknowledgement(None, noted)
    return TurnAcknowledgement(None, noted if unanswered else None)


REFUSAL_INTENTS = frozenset({"deny", "not_now"})


@dataclass(frozen=True, kw_only=True)
class VisitClose:
    """What the assistant says when the visit's questions are done."""

    thank: bool
    """Thanks, once per visit, when a question of this visit was answered, in a turn that answered something."""
    offer_meeting: bool
    """A sales-ready lead (mql or sql) is offered the meeting link, once."""
    help_only: bool
    """A disqualified lead is simply offered help."""


def close_visit(result: ProfileTurnResult, *, thanked: bool, meeting_offered: bool) -> VisitClose:
    answered = any(f in result.known for f in result.asked)
    # thanks belong to the turn that answered (or refused): not to a form that ends after a digression
    if result.stopped:  # "not interested": the answer to that says it all, no thanks and no meeting link
        return VisitClose(thank=False, offer_meeting=False, help_only=False)
    return VisitClose(thank=answered and result.changed and not thanked,
                      offer_meeting=result.stage in (Stage.MQL, Stage.SQL) and not meeting_offered,
                      help_only=result.stage is Stage.DISQUALIFIED)


def after_questions(kept: bool, intent: str | None, message: str | None, *,
                    answered: bool = False) -> Acknowledgement | None:
    """What a turn after the visit's questions gets when nothing else was said: "noted" for facts `kept`, for an
    inform that `answered` (a known fact restated) or a statement; for a number no field took, what would place it."""
    if kept:
        return Acknowledgement.NOTED
    if intent != "inform":
        return None
    unplaced = not answered and bool(message and find_numbers(message[:SCAN_CHARS]))
    return Acknowledgement.NUMBER_UNPLACED if unplaced else Acknowledgement.NOTED


DIGRESSION_INTENTS = frozenset({
    "ask_pricing", "ask_features", "ask_integrations", "ask_next_steps", "ask_onboarding", "ask_privacy",
    "ask_my_data", "privacy_request", "request_content", "request_demo", "contact_sales", "human_handoff", "opt_out",
    "opt_in", "bot_challenge", "explain", "greet", "goodbye", "thank"})
"""Intents that have a rule of their own while the questions are open (bot/rules): "can I get a demo? We're at
Nimbus, 600 employees" is a demo request that also gives facts, not an answer that the form may keep for itself.
Not `out_of_scope` (an unusual name or company reads as one) nor `deny` / `not_now` (refusals the form records)."""

# Words that say nothing of a use case, company, role or name of their own ("I ... at a company of ...").
