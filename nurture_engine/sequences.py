"""Nurture sequences from nurture.yml: drip and behaviour-triggered steps, the content library, and the
delivery rules (quiet hours, frequency caps, retries). Parsed once; unknown keys are refused."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain import Channel, ProfileField, Stage
from .errors import ConfigError, reject_unknown_keys

TRIGGERS = ("first_contact", "profile_started", "intent", "stage")
JOURNEY_STAGES = ("awareness", "consideration", "decision")
EXIT_STAGES = frozenset({Stage.SQL, Stage.CUSTOMER, Stage.DISQUALIFIED})
TEMPLATE_VARS = frozenset({"first_name", "name", "company", "product", "meeting_link", "content_title",
                           "content_url", "pricing_url"})
_DELAY = re.compile(r"^(\d+)\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True, kw_only=True)
class ContentItem:
    id: str
    title: str
    url: str
    journey: str


@dataclass(frozen=True, kw_only=True)
class Conditions:
    stages: frozenset[Stage] = frozenset()
    channels: frozenset[Channel] = frozenset()
    min_score: float | None = None
    has: frozenset[ProfileField] = frozenset()
    missing: frozenset[ProfileField] = frozenset()
    unless_intents: frozenset[str] = frozenset()
    """Skip (and end the sequence) if the lead showed one of these intents since entering it."""


@dataclass(frozen=True, kw_only=True)
class Step:
    id: str
    after: timedelta
    """Due this long after the lead entered the sequence."""
    variants: Mapping[str, str]
    content: str | None = None
    when: Conditions = Conditions()


@dataclass(frozen=True, kw_only=True)
class Sequence:
    name: str
    trigger: str
    trigger_value: str | None
    entry: Conditions
    steps: tuple[Step, ...]
    exit_on_reply: bool = True

    def variants(self) -> tuple[str, ...]:
        """A/B variant names; every step offers the same ones (checked when parsing)."""
        return tuple(self.steps[0].variants)


@dataclass(frozen=True, kw_only=True)
class DeliveryRules:
    quiet_start: time
    quiet_end: time
    timezone: ZoneInfo
    per_day: int
    per_week: int
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    lease_seconds: float


@dataclass(frozen=True, kw_only=True)
class NurturePlan:
    sequences: tuple[Sequence, ...]
    content: Mapping[str, ContentItem]
    delivery: DeliveryRules


def parse_delay(where: str, value: Any) -> timedelta:
    match = _DELAY.match(str(value).strip())
    if not match:
        raise ConfigError(f"nurture.yml: {where} must look like 30m, 6h or 2d, got {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _enum_set(where: str, values: Any, kind: Any) -> frozenset[Any]:
    try:
        return frozenset(kind(v) for v in (values or []))
    except ValueError as exc:
        raise ConfigError(f"nurture.yml: {where}: {exc}") from exc


def _conditions(where: str, raw: Mapping[str, Any] | None) -> Conditions:
    raw = raw or {}
    reject_unknown_keys(where, raw, {"stages", "channels", "min_score", "has", "missing", "unless_intents"})
    return Conditions(stages=_enum_set(f"{where}.stages", raw.get("stages"), Stage),
                      channels=_enum_set(f"{where}.channels", raw.get("channels"), Channel),
                      min_score=float(raw["min_score"]) if raw.get("min_score") is not None else None,
                      has=_enum_set(f"{where}.has", raw.get("has"), ProfileField),
                      missing=_enum_set(f"{where}.missing", raw.get("missing"), ProfileField),
                      unless_intents=frozenset(str(i) for i in raw.get("unless_intents") or []))


def _template(where: str, text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"nurture.yml: {where} must be a non-empty text")
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    unknown = sorted(names - TEMPLATE_VARS)
    if unknown:
        raise ConfigError(f"nurture.yml: {where} uses unknown variable(s) {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(TEMPLATE_VARS))})")
    return " ".join(text.split())


def _step(where: str, raw: Mapping[str, Any], content: Mapping[str, ContentItem]) -> Step:
    reject_unknown_keys(where, raw, {"id", "after", "text", "variants", "content", "when"})
    if ("text" in raw) == ("variants" in raw):
        raise ConfigError(f"nurture.yml: {where} needs either text or variants")
    variants = {"a": raw["text"]} if "text" in raw else dict(raw["variants"] or {})
    if not variants:
        raise ConfigError(f"nurture.yml: {where}.variants is empty")
    item = raw.get("content")
    if item is not None and item not in content:
        raise ConfigError(f"nurture.yml: {where}.content {item!r} is not in the content library")
    return Step(id=str(raw.get("id") or where.rsplit(".", 1)[-1]), after=parse_delay(f"{where}.after",
                raw.get("after", "0m")), content=item, when=_conditions(f"{where}.when", raw.get("when")),
                variants={str(k): _template(f"{where}.variants.{k}", v) for k, v in variants.items()})


def _sequence(name: str, raw: Mapping[str, Any], content: Mapping[str, ContentItem]) -> Sequence:
    where = f"sequences.{name}"
    reject_unknown_keys(where, raw, {"trigger", "entry", "steps", "exit_on_reply"})
    kind, _, value = str(raw.get("trigger", "")).partition(":")
    if kind not in TRIGGERS or (kind in ("intent", "stage")) != bool(value):
        raise ConfigError(f"nurture.yml: {where}.trigger must be first_contact, profile_started, "
                          f"intent:<name> or stage:<stage>, got {raw.get('trigger')!r}")
    if kind == "stage":
        _enum_set(f"{where}.trigger", [value], Stage)
    steps = tuple(_step(f"{where}.steps.{i}", s, content) for i, s in enumerate(raw.get("steps") or []))
    if not steps:
        raise ConfigError(f"nurture.yml: {where} has no steps")
    if len({frozenset(s.variants) for s in steps}) != 1:
        raise ConfigError(f"nurture.yml: {where}: every step must offer the same variants")
    return Sequence(name=name, trigger=kind, trigger_value=value or None, steps=steps,
                    entry=_conditions(f"{where}.entry", raw.get("entry")),
                    exit_on_reply=bool(raw.get("exit_on_reply", True)))


def _clock(where: str, value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"nurture.yml: {where} must be HH:MM, got {value!r}") from exc


def _delivery(quiet: Mapping[str, Any], caps: Mapping[str, Any], retries: Mapping[str, Any]) -> DeliveryRules:
    reject_unknown_keys("quiet_hours", quiet, {"start", "end", "timezone"})
    reject_unknown_keys("caps", caps, {"per_day", "per_week"})
    reject_unknown_keys("retries", retries,
                        {"max_attempts", "backoff_seconds", "backoff_max_seconds", "lease_seconds"})
    try:
        zone = ZoneInfo(str(quiet.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"nurture.yml: quiet_hours.timezone: unknown time zone {quiet.get('timezone')!r}") from exc
    rules = DeliveryRules(quiet_start=_clock("quiet_hours.start", quiet.get("start", "21:00")),
                          quiet_end=_clock("quiet_hours.end", quiet.get("end", "08:00")), timezone=zone,
                          per_day=int(caps.get("per_day", 1)), per_week=int(caps.get("per_week", 3)),
                          max_attempts=int(retries.get("max_attempts", 5)),
                          backoff_seconds=float(retries.get("backoff_seconds", 30)),
                          backoff_max_seconds=float(retries.get("backoff_max_seconds", 3600)),
                          lease_seconds=float(retries.get("lease_seconds", 60)))
    if rules.per_day < 1 or rules.per_week < rules.per_day or rules.max_attempts < 1:
        raise ConfigError("nurture.yml: caps need 1 <= per_day <= per_week and retries.max_attempts >= 1")
    return rules


def parse_plan(raw: Mapping[str, Any]) -> NurturePlan:
    content: dict[str, ContentItem] = {}
    for i, item in enumerate(raw.get("content") or []):
        reject_unknown_keys(f"content.{i}", item, {"id", "title", "url", "journey"})
        if item.get("journey") not in JOURNEY_STAGES:
            raise ConfigError(f"nurture.yml: content.{i}.journey must be one of {', '.join(JOURNEY_STAGES)}")
        content[str(item["id"])] = ContentItem(id=str(item["id"]), title=str(item["title"]),
                                               url=str(item["url"]), journey=str(item["journey"]))
    sequences = tuple(_sequence(str(name), body or {}, content) for name, body in (raw.get("sequences") or {}).items())
    return NurturePlan(sequences=sequences, content=content,
                       delivery=_delivery(raw.get("quiet_hours") or {}, raw.get("caps") or {},
                                          raw.get("retries") or {}))
