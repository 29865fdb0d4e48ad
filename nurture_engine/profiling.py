"""Progressive profiling: which question to ask next, within the per-visit budget."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .domain import JSONValue, ProfileField


@dataclass(frozen=True, kw_only=True)
class VisitState:
    """What this visit has done so far (kept in the conversation's slots)."""

    known: frozenset[ProfileField]
    asked: tuple[ProfileField, ...] = ()
    refused: frozenset[ProfileField] = frozenset()


def plan_questions(state: VisitState, *, order: Sequence[ProfileField], budget: int,
                   refused_before: Collection[ProfileField] = ()) -> list[ProfileField]:
    """Fields still to ask this visit, most decisive first.

    A field being asked stays in the plan until it is answered or refused. New fields are added
    only while the visit's budget lasts; known fields never come back; fields refused in an earlier
    visit go last, and a field refused in this visit is never asked again.
    """
    pending = [f for f in state.asked if f not in state.known and f not in state.refused]
    remaining = max(0, budget - len(state.asked))
    fresh = [f for f in order
             if f not in state.known and f not in state.refused and f not in state.asked]
    fresh.sort(key=lambda f: f in refused_before)
    return pending + fresh[:remaining]


def next_question(state: VisitState, *, order: Sequence[ProfileField], budget: int,
                  refused_before: Collection[ProfileField] = ()) -> ProfileField | None:
    plan = plan_questions(state, order=order, budget=budget, refused_before=refused_before)
    return plan[0] if plan else None


@dataclass(frozen=True, kw_only=True)
class ProfileTurn:
    """One user turn inside (or outside) the profiling form, as the assistant saw it."""

    answers: Mapping[ProfileField, str]
    requested: ProfileField | None
    intent: str | None
    visit: VisitState


@dataclass(frozen=True, kw_only=True)
class ProfileTurnResult:
    slots: dict[ProfileField, JSONValue]
    invalid: dict[ProfileField, str]
    refused: ProfileField | None
    next_field: ProfileField | None
    asked: tuple[ProfileField, ...]
    refused_in_visit: tuple[ProfileField, ...]

    @property
    def changed(self) -> bool:
        """Whether the turn filled, rejected or refused anything (else the form yields the turn)."""
        return bool(self.slots or self.invalid or self.refused)
