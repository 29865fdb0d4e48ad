"""Reports for the dashboard: the funnel, sequence performance and a lead's score over time.

The store answers with plain rows (`ReportStore`); the arithmetic lives here, so it is the same on SQLite,
PostgreSQL and the in-memory fake.

Funnel: a lead counts in its creation week and on the channel of its first identity (so weeks and channels
add up to the totals); it has reached a stage when its stage history or its current stage says so, and
reaching a stage means having passed the earlier ones (a demo request with an email jumps straight to sql).

Sequences: per A/B variant, every enrollment counts; per step, a reply, an opt-out or a conversion is
credited to the last step sent before it (so step rows add up to the variant's, save for conversions that
came before any step was sent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from .domain import Channel, FieldValue, Interaction, Stage, StageChange
from .scoring import BehaviourLedger, fit_items, total
from .scoring_rules import ScoringRules

FUNNEL: tuple[Stage, ...] = (Stage.NEW, Stage.ENGAGED, Stage.MQL, Stage.SQL, Stage.CUSTOMER)
REPLY_EXIT = "reply"
OPT_OUT_EXIT = "opted out"
MAX_HISTORY_POINTS = 400


@dataclass(frozen=True, kw_only=True)
class FunnelLead:
    lead_id: str
    created_at: datetime
    stage: Stage
    channel: Channel | None
    """The channel of the lead's first identity."""
    reached: frozenset[Stage] = frozenset()


@dataclass(frozen=True, kw_only=True)
class EnrollmentFact:
    id: str
    lead_id: str
    sequence: str
    variant: str
    entered_at: datetime
    exit_reason: str | None = None
    exited_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class SentStep:
    enrollment_id: str
    step: str
    variant: str
    sent_at: datetime


@dataclass(frozen=True, kw_only=True)
class SequenceFacts:
    enrollments: list[EnrollmentFact] = field(default_factory=list)
    sent: list[SentStep] = field(default_factory=list)
    converted_at: dict[str, datetime] = field(default_factory=dict)
    """When each lead first reached sql (or customer)."""


@dataclass(frozen=True, kw_only=True)
class ConsentEntry:
    status: str
    channel: str
    text: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class LeadQuery:
    stage: Stage | None = None
    q: str | None = None
    channel: Channel | None = None
    sort: str = "id"
    limit: int = 50
    offset: int = 0


LEAD_SORTS = ("id", "score", "score_asc", "newest")


@dataclass(frozen=True, kw_only=True)
class LeadRow:
    id: str
    stage: Stage
    score: float
    created_at: datetime
    profile: dict[str, Any]
    channels: tuple[str, ...]


class ReportStore(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def funnel_leads(self, since: datetime, channel: Channel | None) -> list[FunnelLead]: ...

    async def sequence_facts(self, sequence: str | None) -> SequenceFacts: ...

    async def consent_ledger(self, lead_id: str) -> list[ConsentEntry]: ...

    async def lead_rows(self, query: LeadQuery) -> tuple[list[LeadRow], bool]:
        """One page of leads and whether more follow."""
        ...


def week_start(at: datetime) -> datetime:
    """Monday 00:00 of `at`'s week, in `at`'s timezone (UTC for the API)."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _rank(lead: FunnelLead) -> int:
    ranks = [FUNNEL.index(s) for s in lead.reached | {lead.stage} if s in FUNNEL]
    return max(ranks, default=0)


def _counts(leads: Iterable[FunnelLead]) -> dict[str, int]:
    out = {s.value: 0 for s in FUNNEL} | {Stage.DISQUALIFIED.value: 0}
    for lead in leads:
        rank = _rank(lead)
        for stage in FUNNEL[:rank + 1]:
            out[stage.value] += 1
        if lead.stage is Stage.DISQUALIFIED or Stage.DISQUALIFIED in lead.reached:
            out[Stage.DISQUALIFIED.value] += 1
    return out


def funnel(leads: Sequence[FunnelLead], *, now: datetime, weeks: int, channel: Channel | None) -> dict[str, Any]:
    first = week_start(now) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=i) for i in range(weeks)]
    by_week: dict[datetime, list[FunnelLead]] = {s: [] for s in starts}
    by_channel: dict[str, list[FunnelLead]] = {c.value: [] for c in Channel}
    for lead in leads:
        start = week_start(lead.created_at)
        if start in by_week:
            by_week[start].append(lead)
            by_channel.setdefault(lead.channel.value if lead.channel else "unknown", []).append(lead)
    kept = [lead for group in by_week.values() for lead in group]
    return {
        "weeks": weeks, "channel": channel.value if channel else None, "since": first.isoformat(),
        "stages": [s.value for s in FUNNEL],
        "totals": _counts(kept),
        "by_week": [{"week": s.date().isoformat(), "counts": _counts(by_week[s])} for s in starts],
        "by_channel": [{"channel": name, "counts": _counts(group)} for name, group in by_channel.items()
                       if channel is None or name == channel.value],
    }


def _zero() -> dict[str, int]:
    return {"sent": 0, "replied": 0, "converted": 0, "opted_out": 0}


def _last_sent_before(steps: list[SentStep], at: datetime | None) -> SentStep | None:
    if at is None:
        return None
    before = [s for s in steps if s.sent_at <= at]
    return max(before, key=lambda s: s.sent_at) if before else None


def sequence_stats(facts: SequenceFacts, configured: Sequence[tuple[str, Sequence[str], Sequence[str]]]
                   ) -> list[dict[str, Any]]:
    """`configured` is (sequence, step ids, variant names) from nurture.yml, for the order and the zeros."""
    sent_by_enrollment: dict[str, list[SentStep]] = {}
    for s in facts.sent:
        sent_by_enrollment.setdefault(s.enrollment_id, []).append(s)
    variants: dict[tuple[str, str], dict[str, int]] = {}
    steps: dict[tuple[str, str, str], dict[str, int]] = {}
    order: dict[str, tuple[list[str], list[str]]] = {name: (list(st), list(va)) for name, st, va in configured}
    for e in facts.enrollments:
        step_ids, variant_names = order.setdefault(e.sequence, ([], []))
        if e.variant not in variant_names:
            variant_names.append(e.variant)
        v = variants.setdefault((e.sequence, e.variant), {"enrolled": 0, **_zero()})
        v["enrolled"] += 1
        mine = sent_by_enrollment.get(e.id, [])
        for s in mine:
            if s.step not in step_ids:
                step_ids.append(s.step)
            steps.setdefault((e.sequence, s.step, s.variant), _zero())["sent"] += 1
            v["sent"] += 1
        converted = facts.converted_at.get(e.lead_id)
        outcomes = {"replied": (e.exit_reason == REPLY_EXIT, e.exited_at),
                    "opted_out": (e.exit_reason == OPT_OUT_EXIT, e.exited_at),
                    "converted": (converted is not None and converted >= e.entered_at, converted)}
        for name, (happened, at) in outcomes.items():
            if not happened:
                continue
            v[name] += 1
            credited = _last_sent_before(mine, at)
            if credited is not None:
                steps.setdefault((e.sequence, credited.step, credited.variant), _zero())[name] += 1
    return [{"sequence": name,
             "variants": [{"variant": va, **variants.get((name, va), {"enrolled": 0, **_zero()})}
                          for va in variant_names],
             "steps": [{"step": st, "variant": va, **steps.get((name, st, va), _zero())}
                       for st in step_ids for va in variant_names]}
            for name, (step_ids, variant_names) in order.items()]


def score_history(profile: Iterable[FieldValue], interactions: Sequence[Interaction], history: Sequence[StageChange],
                  rules: ScoringRules, now: datetime) -> dict[str, Any]:
    """The lead's score after each scored event, replayed with the scoring functions (fit facts count from
    the time their current value was given; behaviour decays as it does for the live score)."""
    fit = fit_items({fv.field: fv for fv in profile}, rules)
    ledger = BehaviourLedger(rules)
    timeline: list[tuple[datetime, int, Interaction | None, str | None]] = [
        (item.at, 0, None, item.signal) for item in fit]
    timeline += [(i.at, 1, i, None) for i in interactions]
    timeline.sort(key=lambda e: (e[0], e[1]))
    points: list[dict[str, Any]] = []
    for at, _, interaction, fit_signal in timeline:
        signals = [fit_signal] if fit_signal else [i.signal for i in ledger.apply(interaction)] if interaction else []
        if not signals:
            continue
        score = round(total([i for i in fit if i.at <= at], at, rules.half_life_days) + ledger.behaviour_total(at), 2)
        if points and points[-1]["at"] == at.isoformat():
            points[-1]["score"] = score
            points[-1]["signals"] += signals
        else:
            points.append({"at": at.isoformat(), "score": score, "signals": signals})
    current = round(total(fit, now, rules.half_life_days) + ledger.behaviour_total(now), 2)
    points = points[-MAX_HISTORY_POINTS:]
    points.append({"at": now.isoformat(), "score": current, "signals": []})
    return {"points": points, "score": current,
            "stages": [{"stage": c.stage.value, "reason": c.reason, "at": c.at.isoformat()} for c in history]}
