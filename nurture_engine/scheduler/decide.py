"""What to do with one claimed follow-up at send time: cancel, defer, or send this text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import Business
from ..domain import Stage
from ..sequences import EXIT_STAGES, NurturePlan, Step
from .jobs import FollowUp, LeadState, Outcome, OutcomeKind
from .policy import cap_until, lead_zone, quiet_until


@dataclass(frozen=True, kw_only=True)
class Send:
    followup: FollowUp
    text: str


def _first_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("first") or value.get("full")
    return str(value).split()[0] if value else None


def render(template: str, business: Business, state: LeadState, plan: NurturePlan, step: Step) -> str:
    item = plan.content.get(step.content) if step.content else None
    name = state.profile.get("name")
    values = {"first_name": _first_name(name) or business.unknown_name, "name": str(name or business.unknown_name),
              "company": business.company, "product": business.product, "meeting_link": business.meeting_link,
              "content_title": item.title if item else "", "content_url": item.url if item else ""}
    return template.format_map(values)


class Decider:
    def __init__(self, plan: NurturePlan, business: Business) -> None:
        self._plan = plan
        self._business = business
        self._steps = {(s.name, st.id): st for s in plan.sequences for st in s.steps}

    @property
    def watched_intents(self) -> list[str]:
        return sorted({i for st in self._steps.values() for i in st.when.unless_intents})

    def _cancel(self, f: FollowUp, now: datetime, reason: str) -> Outcome:
        return Outcome(followup=f, kind=OutcomeKind.CANCELLED, at=now, reason=reason)

    def decide(self, f: FollowUp, state: LeadState | None, active: bool, now: datetime,
               adapters: frozenset[str]) -> Outcome | Send:
        step = self._steps.get((f.sequence, f.step))
        if state is None:
            return self._cancel(f, now, "the lead no longer exists")
        if state.consent == "opted_out":
            return self._cancel(f, now, "the lead opted out")
        if state.owner:
            return self._cancel(f, now, f"claimed by sales ({state.owner})")
        if Stage(state.stage) in EXIT_STAGES:
            return self._cancel(f, now, f"stage {state.stage}")
        if not active:
            return self._cancel(f, now, "the lead left the sequence")
        if step is None:
            return self._cancel(f, now, "the step is no longer configured")
        blocked = self._condition_fails(step, f, state)
        if blocked:
            return self._cancel(f, now, blocked)
        if f.channel.value not in adapters:
            return self._cancel(f, now, f"no delivery on channel {f.channel.value}")
        resume = quiet_until(now, self._plan.delivery, lead_zone(state.timezone, self._plan.delivery))
        if resume is not None:
            return Outcome(followup=f, kind=OutcomeKind.DEFER, at=now, due_at=resume, reason="quiet hours")
        wait = cap_until(now, state.sends, self._plan.delivery)
        if wait is not None:
            return Outcome(followup=f, kind=OutcomeKind.DEFER, at=now, due_at=wait, reason="frequency cap")
        return Send(followup=f, text=render(step.variants[f.variant] if f.variant in step.variants
                                            else next(iter(step.variants.values())),
                                            self._business, state, self._plan, step))

    def _condition_fails(self, step: Step, f: FollowUp, state: LeadState) -> str | None:
        when = step.when  # each test is skipped cheaply when the step does not set it (the dispatch hot path)
        if when.stages and Stage(state.stage) not in when.stages:
            return f"step needs stage {', '.join(sorted(s.value for s in when.stages))}"
        if when.channels and f.channel not in when.channels:
            return "step not for this channel"
        if when.has and any(field.value not in state.profile for field in when.has):
            return "step needs profile fields the lead has not given"
        if when.missing and any(field.value in state.profile for field in when.missing):
            return "the lead already gave what this step asks for"
        if when.unless_intents and state.intents_since:
            entered = f.due_at - step.after
            shown = [i for i in when.unless_intents if i in state.intents_since and state.intents_since[i] >= entered]
            if shown:
                return f"the lead already showed {', '.join(sorted(shown))}"
        return None
