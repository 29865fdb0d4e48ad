"""Explainable, decaying lead score: fit from the profile, behaviour from the conversation.

`BehaviourLedger` applies interactions one at a time (the incremental path used per event);
`behaviour_items` computes the same items from the whole history (the full recompute). Both
must agree, which a property test checks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from .domain import FieldValue, Interaction, ProfileField, ScoreItem
from .scoring_rules import Bucket, ScoringRules

SECONDS_PER_DAY = 86_400.0


RETURN_GAP = timedelta(hours=1)  # a message after an hour of silence is a new visit (Rasa's session expiry)


def signals_of(interaction: Interaction, previous_message_at: datetime | None) -> list[tuple[str, str]]:
    """The behaviour signals a user message can earn, with a reason each."""
    if interaction.kind != "message":
        return []
    found = [("reply", _reason("sent a message on ", interaction.channel._value_))]
    if previous_message_at is not None and interaction.at - previous_message_at >= RETURN_GAP:
        hours = (interaction.at - previous_message_at).total_seconds() / 3600
        found.append(("return_visit", f"came back after {hours:.0f} h"))
    intent = interaction.intent
    if intent:
        found.append((intent, _reason("intent ", intent)))
    return found


_REASONS: dict[tuple[str, str], str] = {}


def _reason(prefix: str, name: str) -> str:
    """`prefix + name`, the same string object for every message (a dict read instead of a new string); at
    most 1,000 kept, as a user can make up intent names ("/anything" is parsed as an intent)."""
    reason = _REASONS.get((prefix, name))
    if reason is None:
        reason = prefix + name
        if len(_REASONS) < 1_000:
            _REASONS[(prefix, name)] = reason
    return reason


class BehaviourLedger:
    """Incremental behaviour scoring: caps ("once", "max per day") applied in arrival order."""

    def __init__(self, rules: ScoringRules) -> None:
        self._rules = rules
        self._behaviour = rules.behaviour
        self._per_day: dict[tuple[str, date], int] = {}  # earned per (signal, day), for the signals capped per day
        self._last_message_at: datetime | None = None
        self.items: list[ScoreItem] = []
        self.signals: set[str] = set()  # every signal earned ("once" rules look here)
        # running sum of points * 2^(age at anchor / half-life): the decayed total at any time is
        # one multiplication, without walking the history
        self._anchor: datetime | None = None
        self._latest: datetime | None = None
        self._weighted = 0.0

    def _add(self, item: ScoreItem) -> None:
        if self._anchor is None:
            self._anchor = item.at
        exponent = (item.at - self._anchor).total_seconds() / SECONDS_PER_DAY / self._rules.half_life_days
        if exponent > 500:  # re-anchor long before floats could overflow
            self._weighted *= 2.0 ** -exponent
            self._anchor, exponent = item.at, 0.0
        self._weighted += item.points * 2.0 ** exponent
        self._latest = item.at if self._latest is None or item.at > self._latest else self._latest
        self.signals.add(item.signal)
        self.items.append(item)

    def behaviour_total(self, now: datetime) -> float:
        """The decayed behaviour points at `now` (equal to `total(self.items, now, ...)`)."""
        if self._anchor is None or self._latest is None:
            return 0.0
        if now < self._latest:  # items dated after `now` do not decay yet: add them up one by one
            return sum(decayed(i, now, self._rules.half_life_days) for i in self.items)
        age = (now - self._anchor).total_seconds() / SECONDS_PER_DAY
        return float(self._weighted * 2.0 ** -(age / self._rules.half_life_days))

    def apply(self, interaction: Interaction) -> list[ScoreItem]:
        if interaction.kind != "message":  # only user messages earn points or start a visit
            return []
        at = interaction.at
        earned = []
        for signal, reason in signals_of(interaction, self._last_message_at):
            rule = self._behaviour.get(signal)
            if rule is None or (rule.once and signal in self.signals):
                continue
            if rule.max_per_day is not None:
                key = (signal, at.date())
                count = self._per_day.get(key, 0)
                if count >= rule.max_per_day:
                    continue
                self._per_day[key] = count + 1
            item = ScoreItem(signal=signal, points=rule.points, reason=reason, at=at, decays=True)
            self._add(item)
            earned.append(item)
        self._last_message_at = at
        return earned


def behaviour_items(interactions: Sequence[Interaction], rules: ScoringRules) -> list[ScoreItem]:
    """Full recompute over the whole history (grouped by signal, then capped)."""
    candidates: list[tuple[int, int, str, str, Interaction]] = []
    last_message_at: datetime | None = None
    for index, interaction in enumerate(interactions):
        for sub, (signal, reason) in enumerate(signals_of(interaction, last_message_at)):
            candidates.append((index, sub, signal, reason, interaction))
        if interaction.kind == "message":
            last_message_at = interaction.at
    kept: list[tuple[int, int, ScoreItem]] = []
    for signal in {c[2] for c in candidates}:
        rule = rules.behaviour.get(signal)
        if rule is None:
            continue
        mine = [c for c in candidates if c[2] == signal]
        if rule.once:
            mine = mine[:1]
        if rule.max_per_day is not None:
            per_day: Counter[str] = Counter()
            capped = []
            for c in mine:
                day = c[4].at.date().isoformat()
                if per_day[day] < rule.max_per_day:
                    per_day[day] += 1
                    capped.append(c)
            mine = capped
        kept += [(c[0], c[1], ScoreItem(signal=signal, points=rule.points, reason=c[3], at=c[4].at, decays=True))
                 for c in mine]
    return [item for _, _, item in sorted(kept, key=lambda k: (k[0], k[1]))]


def _bucket_min(buckets: Iterable[Bucket], value: float) -> float | None:
    return next((b.points for b in buckets if b.bound is not None and value >= b.bound), None)


def _people(size: Mapping[str, Any]) -> str:
    """A company size as the reason says it: "40 people", "200-500 people", "1,000+ people"."""
    low, upper = float(size.get("min") or 0), size.get("max")
    if upper is None or upper == "":
        return f"{low:,.0f}+ people"
    high = float(upper)
    return f"{low:,.0f} people" if high == low else f"{low:,.0f}-{high:,.0f} people"


def fit_items(profile: Mapping[ProfileField, FieldValue], rules: ScoringRules) -> list[ScoreItem]:
    items: list[ScoreItem] = []

    def add(signal: str, points: float | None, reason: str, fv: FieldValue) -> None:
        if points is not None and points != 0:
            items.append(ScoreItem(signal=signal, points=points, reason=reason, at=fv.at, decays=False))

    role = profile.get(ProfileField.ROLE)
    if role is not None and isinstance(role.value, dict):
        seniority = str(role.value.get("seniority"))
        add("fit_role", rules.seniority.get(seniority), f"role {role.value.get('title')} ({seniority})", role)
    size = profile.get(ProfileField.COMPANY_SIZE)
    if size is not None and isinstance(size.value, dict) and size.value.get("min"):
        add("fit_company_size", _bucket_min(rules.company_size, float(size.value["min"])),
            f"company of {_people(size.value)}", size)
    budget = profile.get(ProfileField.BUDGET)
    if budget is not None and isinstance(budget.value, dict):
        yearly = float(budget.value.get("amount") or 0) * (12 if budget.value.get("period") == "month" else 1)
        add("fit_budget", _bucket_min(rules.budget_per_year, yearly), f"budget of {budget.raw[:60]}", budget)
    timeline = profile.get(ProfileField.TIMELINE)
    if timeline is not None and isinstance(timeline.value, dict):
        months = timeline.value.get("months")
        points = next((b.points for b in rules.timeline_months
                       if (b.bound is None) == (months is None) and (months is None or months <= float(b.bound or 0))),
                      None)
        add("fit_timeline", points, f"timeline {timeline.raw[:60]}", timeline)
    use_case = profile.get(ProfileField.USE_CASE)
    if use_case is not None and any(k in str(use_case.value).lower() for k in rules.use_case_keywords):
        add("fit_use_case", rules.use_case_points, f"use case matches: {str(use_case.value)[:60]}", use_case)
    company = profile.get(ProfileField.COMPANY)
    if company is not None and any(c in str(company.value).lower() for c in rules.competitors):
        add("competitor", rules.competitor_points, f"works at a competitor ({company.value})", company)
    return items


def decayed(item: ScoreItem, now: datetime, half_life_days: float) -> float:
    if not item.decays:
        return item.points
    age_days = max(0.0, (now - item.at).total_seconds() / SECONDS_PER_DAY)
    return item.points * float(0.5 ** (age_days / half_life_days))


def total(items: Iterable[ScoreItem], now: datetime, half_life_days: float) -> float:
    return float(round(sum(decayed(i, now, half_life_days) for i in items), 2))


def breakdown(items: Iterable[ScoreItem], now: datetime, half_life_days: float) -> list[dict[str, object]]:
    return [{"signal": i.signal, "points": round(decayed(i, now, half_life_days), 2), "reason": i.reason,
             "at": i.at.isoformat()} for i in items]
