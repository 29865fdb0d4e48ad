"""Sales alert values: rules, what a message needs to show (`AlertContext`), the alert and its state."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

from .domain import HANDOFF_INTENTS, PRIVACY_INTENTS, Channel, ProfileField, ScoreItem, Stage
from .errors import ConfigError, reject_unknown_keys
from .scoring import decayed

if TYPE_CHECKING:
    from .lead_engine import LeadView

ALERT_ID = re.compile(r"[0-9a-f]{32}")
MAX_MESSAGE_CHARS = 500
MAX_FEEDBACK_CHARS = 500


class AlertTrigger(str, Enum):
    STAGE_SQL = "stage:sql"
    HUMAN_HANDOFF = "human_handoff"
    PRIVACY_REQUEST = "privacy_request"
    """Not a sale: a visitor asked in chat for erasure or a copy of their data. Announced whatever the lead's
    stage, cooldown or snooze (a legal request must reach staff), at most once a day per lead, and only
    claimed (someone handles it), never judged "not a fit" or snoozed."""

    @property
    def actions(self) -> frozenset[AlertAction]:
        """The buttons an alert of this trigger shows, and the only clicks it accepts: a privacy request is
        claimed (someone handles it), never judged "not a fit" or snoozed."""
        return CLAIM_ONLY if self is AlertTrigger.PRIVACY_REQUEST else frozenset(AlertAction)


class AlertStatus(str, Enum):
    OPEN = "open"
    CLAIMED = "claimed"
    NOT_A_FIT = "not_a_fit"
    SNOOZED = "snoozed"


class AlertAction(str, Enum):
    """The buttons of an alert; the values are their Slack ``action_id``s."""

    CLAIM = "sales_claim"
    NOT_A_FIT = "sales_not_a_fit"
    SNOOZE = "sales_snooze"


CLAIM_ONLY = frozenset({AlertAction.CLAIM})


def trigger_for(*, stage: Stage | None = None, intent: str | None = None) -> AlertTrigger | None:
    """The trigger of a stage change or of a user intent, if it is one that alerts sales."""
    if intent in PRIVACY_INTENTS:
        return AlertTrigger.PRIVACY_REQUEST
    if intent in HANDOFF_INTENTS:
        return AlertTrigger.HUMAN_HANDOFF
    return AlertTrigger.STAGE_SQL if stage is Stage.SQL else None


def _aware(at: datetime | None) -> None:
    if at is not None and at.tzinfo is None:
        raise ValueError("naive datetimes are refused; pass a timezone-aware datetime")


@dataclass(frozen=True, kw_only=True)
class AlertRules:
    """``alerts:`` in nurture.yml."""

    cooldown_hours: float = 24.0
    snooze_hours: float = 4.0
    top_reasons: int = 3
    last_messages: int = 5


def parse_alert_rules(raw: Mapping[str, Any] | None) -> AlertRules:
    raw = raw or {}
    allowed = {"cooldown_hours", "snooze_hours", "top_reasons", "last_messages"}
    reject_unknown_keys("alerts", raw, allowed)
    defaults = AlertRules()
    values: dict[str, Any] = {}
    for key, low, high, kind in (("cooldown_hours", 0, 24 * 365, float), ("snooze_hours", 0.25, 24 * 30, float),
                                 ("top_reasons", 0, 10, int), ("last_messages", 0, 20, int)):
        value = raw.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and value != int(value)):
            raise ConfigError(f"nurture.yml: alerts.{key} must be a {'number' if kind is float else 'whole number'}")
        if not low <= value <= high:
            raise ConfigError(f"nurture.yml: alerts.{key} must be between {low} and {high}")
        values[key] = kind(value)
    return AlertRules(**values)


@dataclass(frozen=True, kw_only=True)
class ScoreReason:
    signal: str
    points: float
    reason: str


@dataclass(frozen=True, kw_only=True)
class ChatLine:
    """One message of the conversation; `sender` is ``lead`` or ``bot``."""

    sender: str
    text: str
    at: datetime

    def __post_init__(self) -> None:
        _aware(self.at)


@dataclass(frozen=True, kw_only=True)
class AlertContext:
    """Everything the alert message shows, captured when the alert is raised."""

    lead_id: str
    trigger: AlertTrigger
    stage: Stage
    score: float
    channel: Channel
    name: str | None = None
    company: str | None = None
    role: str | None = None
    reasons: tuple[ScoreReason, ...] = ()
    messages: tuple[ChatLine, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"lead_id": self.lead_id, "trigger": self.trigger.value, "stage": self.stage.value,
                "score": self.score, "channel": self.channel.value, "name": self.name, "company": self.company,
                "role": self.role,
                "reasons": [{"signal": r.signal, "points": r.points, "reason": r.reason} for r in self.reasons],
                "messages": [{"sender": m.sender, "text": m.text, "at": m.at.isoformat()} for m in self.messages]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertContext:
        return cls(lead_id=data["lead_id"], trigger=AlertTrigger(data["trigger"]), stage=Stage(data["stage"]),
                   score=float(data["score"]), channel=Channel(data["channel"]), name=data.get("name"),
                   company=data.get("company"), role=data.get("role"),
                   reasons=tuple(ScoreReason(signal=r["signal"], points=float(r["points"]), reason=r["reason"])
                                 for r in data.get("reasons", [])),
                   messages=tuple(ChatLine(sender=m["sender"], text=m["text"], at=datetime.fromisoformat(m["at"]))
                                  for m in data.get("messages", [])))


def top_reasons(items: Iterable[ScoreItem], now: datetime, half_life_days: float, limit: int) -> tuple[ScoreReason,
                                                                                                        ...]:
    """The `limit` largest score contributions now, one per signal (repeats summed, latest reason kept)."""
    by_signal: dict[str, tuple[float, ScoreItem]] = {}
    for item in items:
        points, latest = by_signal.get(item.signal, (0.0, item))
        by_signal[item.signal] = (points + decayed(item, now, half_life_days), max(latest, item, key=lambda i: i.at))
    ranked = sorted(by_signal.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return tuple(ScoreReason(signal=signal, points=round(points, 1), reason=item.reason)
                 for signal, (points, item) in ranked[:limit])


def chat_lines(events: Iterable[Mapping[str, Any]], limit: int) -> tuple[ChatLine, ...]:
    """The last `limit` user and bot messages of Rasa tracker events (``tracker.events`` or broker events)."""
    lines = []
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
            continue
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
        lines.append(ChatLine(sender="lead" if kind == "user" else "bot", text=text[:MAX_MESSAGE_CHARS], at=at))
    return tuple(lines[-limit:]) if limit else ()


def context_for(view: LeadView, *, trigger: AlertTrigger, channel: Channel, now: datetime, half_life_days: float,
                rules: AlertRules, messages: tuple[ChatLine, ...] = ()) -> AlertContext:
    """An alert's context from the lead's view (`NurtureService.view`) and its recent messages."""
    profile = view.lead.profile

    def text(field: ProfileField) -> str | None:
        value = profile[field].value if field in profile else None
        if isinstance(value, dict):  # role: {"title": ..., "seniority": ...}
            value = value.get("title")
        return str(value) if value is not None else None

    return AlertContext(lead_id=view.lead.id, trigger=trigger, stage=view.lead.stage, score=round(view.score, 1),
                        channel=channel, name=text(ProfileField.NAME), company=text(ProfileField.COMPANY),
                        role=text(ProfileField.ROLE),
                        reasons=top_reasons(view.items, now, half_life_days, rules.top_reasons),
                        messages=messages[-rules.last_messages:] if rules.last_messages else ())


@dataclass(frozen=True, kw_only=True)
class MessageRef:
    """Where an alert was posted (a Slack channel id and message ts)."""

    channel: str
    ts: str


@dataclass(frozen=True, kw_only=True)
class Alert:
    id: str
    context: AlertContext
    created_at: datetime
    status: AlertStatus = AlertStatus.OPEN
    status_by: str | None = None
    status_at: datetime | None = None
    snoozed_until: datetime | None = None
    feedback: str | None = None
    message: MessageRef | None = None

    def __post_init__(self) -> None:
        for at in (self.created_at, self.status_at, self.snoozed_until):
            _aware(at)

    @property
    def lead_id(self) -> str:
        return self.context.lead_id

    @property
    def trigger(self) -> AlertTrigger:
        return self.context.trigger

    @property
    def once_key(self) -> str | None:
        """Alerts sharing a key are raised once per lead: a stage is announced once, a privacy request once a
        day (asking three times in a row is one request)."""
        if self.trigger is AlertTrigger.PRIVACY_REQUEST:
            return f"privacy:{self.created_at:%Y-%m-%d}"
        return self.trigger.value if self.trigger is AlertTrigger.STAGE_SQL else None


@dataclass(frozen=True, kw_only=True)
class StatusChange:
    status: AlertStatus
    at: datetime
    by: str | None
    allowed_from: frozenset[AlertStatus]
    snoozed_until: datetime | None = None
    feedback: str | None = None  # None keeps the stored feedback


@dataclass(frozen=True, kw_only=True)
class AlertClick:
    """A salesperson's click on an alert button."""

    action: AlertAction
    alert_id: str
    user_id: str
    feedback: str = ""
    message: MessageRef | None = None

    @property
    def by(self) -> str:
        return f"slack:{self.user_id}"


def alert_json(alert: Alert) -> dict[str, Any]:
    """The alert for the admin API (`alerts: [...]`) and the CRM webhook."""
    return {"id": alert.id, "lead_id": alert.lead_id, "trigger": alert.trigger.value,
            "created_at": alert.created_at.isoformat(), "status": alert.status.value, "status_by": alert.status_by,
            "status_at": alert.status_at.isoformat() if alert.status_at else None,
            "snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else None,
            "feedback": alert.feedback, "context": alert.context.to_json()}
