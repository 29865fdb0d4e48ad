"""Settings: built once from `NURTURE_*` env and nurture.yml; nothing is read at import time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .domain import QUALIFYING_FIELDS, ProfileField
from .errors import ConfigError, reject_unknown_keys
from .faq import FaqEntry, parse_faq
from .quote import Plans, parse_plans
from .scoring_rules import ScoringRules, StageRules, parse_scoring, parse_stages
from .sequences import NurturePlan, parse_plan

DEFAULT_DATABASE_URL = "sqlite:///var/nurture.db"
DEFAULT_EVENTS_URL = "sqlite:///var/rasa_events.db"
DEFAULT_TRACKER_URL = "sqlite:///var/rasa_tracker.db"
_TOP_KEYS = {"business", "profiling", "scoring", "stages", "sequences", "content", "quiet_hours",
             "caps", "channels", "alerts", "retention", "retries", "limits"}
_BUSINESS_KEYS = {"company", "product", "tagline", "pricing", "features", "integrations",
                  "meeting_link", "privacy_url", "contact_email", "unknown_name"}
_OPTIONAL_BUSINESS_KEYS = {"onboarding", "security", "connectors", "faq", "plans"}
_PROFILING_KEYS = {"budget_per_visit", "order"}
_RETENTION_KEYS = {"conversations_days", "run_every_minutes"}


@dataclass(frozen=True, kw_only=True)
class Business:
    company: str
    product: str
    tagline: str
    pricing: str
    features: str
    integrations: str
    meeting_link: str
    privacy_url: str
    contact_email: str
    unknown_name: str
    """How follow-ups address a lead whose name is not known (e.g. "there")."""
    onboarding: str = ""
    """Setting up, training and support, for "how long does onboarding take?" (optional: without it the assistant
    offers the contact email and the meeting link)."""
    security: str = ""
    """The product's security and compliance ("are you SOC 2 compliant?"), said before the privacy answer about the
    visitor's own data (optional: without it only that answer is given)."""
    connectors: tuple[str, ...] = ()
    """The tools named in `integrations`, as visitors write them ("HubSpot", "Microsoft Teams"): a question naming
    some of them gets a yes for those (optional: without it every integration question gets `integrations`)."""
    faq: tuple[FaqEntry, ...] = ()
    """Short answers found by the words of a question the assistant has no intent for ("is there a mobile app?";
    nurture_engine/faq.py). Optional: without it such a question gets what the assistant can help with."""
    plans: Plans | None = None
    """Per-user prices by tier, for "how much for 25 seats?" (nurture_engine/quote.py). Optional: without it such a
    question gets `pricing`."""

    @property
    def tools(self) -> tuple[str, ...]:
        """What the business's product works with or has, as visitors name it (the connectors and the FAQ's words):
        never the visitor's company when said in passing."""
        return self.connectors + tuple(word for entry in self.faq for word in entry.words)


@dataclass(frozen=True, kw_only=True)
class Profiling:
    budget_per_visit: int
    order: tuple[ProfileField, ...]


@dataclass(frozen=True, kw_only=True)
class Retention:
    """How long conversations are kept (tracker events, event-broker rows, interactions); 0 keeps them."""

    conversations_days: int = 0
    run_every_minutes: int = 60

    @property
    def enabled(self) -> bool:
        return self.conversations_days > 0


def _retention(raw: Any) -> Retention:
    if raw is None:
        return Retention()
    if not isinstance(raw, dict):
        raise ConfigError("nurture.yml: retention must be a mapping like {conversations_days: 90}")
    reject_unknown_keys("retention", raw, _RETENTION_KEYS)
    values: dict[str, int] = {}
    for key, low in (("conversations_days", 0), ("run_every_minutes", 1)):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ConfigError(f"nurture.yml: retention.{key} must be an integer of at least {low}")
            values[key] = value
    return Retention(**values)


@dataclass(frozen=True, kw_only=True)
class ChannelSettings:
    """Outbound channel credentials (env). A channel whose token is unset is off."""

    telegram_token: str | None = None
    telegram_base_url: str | None = None
    slack_token: str | None = None
    slack_base_url: str | None = None
    slack_sales_channel: str | None = None
    slack_signing_secret: str | None = None
    recording_url: str | None = None
    """Tests and benchmarks only: every follow-up goes to this HTTP endpoint instead of its channel."""


def _channels(env: Mapping[str, str]) -> ChannelSettings:
    return ChannelSettings(telegram_token=env.get("TELEGRAM_BOT_TOKEN"),
                           telegram_base_url=env.get("TELEGRAM_API_BASE_URL"),
                           slack_token=env.get("SLACK_BOT_TOKEN"), slack_base_url=env.get("SLACK_API_BASE_URL"),
                           slack_sales_channel=env.get("SLACK_SALES_CHANNEL"),
                           slack_signing_secret=env.get("SLACK_SIGNING_SECRET"),
                           recording_url=env.get("NURTURE_RECORDING_URL"))


@dataclass(frozen=True, kw_only=True)
class Settings:
    root: Path
    database_url: str
    admin_token: str | None
    action_token: str | None
    rasa_token: str | None
    rasa_url: str
    business: Business
    profiling: Profiling
    scoring: ScoringRules
    stages: StageRules
    events_url: str
    rabbitmq_url: str | None
    rabbitmq_queue: str
    plan: NurturePlan
    channels: ChannelSettings
    raw: Mapping[str, Any]
    metrics_token: str | None = None
    """A bearer token for GET /metrics only (the admin token works too)."""
    cors_origins: tuple[str, ...] = ()
    """NURTURE_CORS_ORIGINS: origins the Rasa server accepts (socketio widget); empty: the serve origins."""
    tracker_url: str = DEFAULT_TRACKER_URL
    """Rasa's SQL tracker store (NURTURE_TRACKER_URL), read and erased by the privacy tools."""
    retention: Retention = Retention()

    @property
    def var_dir(self) -> Path:
        return self.root / "var"


def _business(raw: Mapping[str, Any]) -> Business:
    reject_unknown_keys("business", raw, _BUSINESS_KEYS | _OPTIONAL_BUSINESS_KEYS)
    missing = sorted(_BUSINESS_KEYS - set(raw))
    if missing:
        raise ConfigError(f"nurture.yml: business is missing {', '.join(missing)}")
    present = _BUSINESS_KEYS | (_OPTIONAL_BUSINESS_KEYS & set(raw))
    texts = {k: " ".join(str(raw[k]).split()) for k in present - {"connectors", "faq", "plans"}}
    return Business(**texts, connectors=_connectors(raw.get("connectors", [])), faq=parse_faq(raw.get("faq", [])),
                    plans=parse_plans(raw.get("plans")))


def _connectors(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(name, str) and name.strip() for name in raw):
        raise ConfigError(f"nurture.yml: business.connectors must be a list of tool names, like [Salesforce, HubSpot];"
                          f" got {raw!r:.80}")
    return tuple(" ".join(name.split()) for name in raw)


def _profiling(raw: Mapping[str, Any]) -> Profiling:
    reject_unknown_keys("profiling", raw, _PROFILING_KEYS)
    budget = raw.get("budget_per_visit", 3)
    if not isinstance(budget, int) or isinstance(budget, bool) or not 0 <= budget <= 8:
        raise ConfigError("nurture.yml: profiling.budget_per_visit must be an integer from 0 to 8")
    names = raw.get("order", [f.value for f in QUALIFYING_FIELDS])
    try:
        order = tuple(ProfileField(n) for n in names)
    except ValueError as exc:
        raise ConfigError(f"nurture.yml: profiling.order: {exc}") from exc
    return Profiling(budget_per_visit=budget, order=order)


def load_settings(env: Mapping[str, str] | None = None, root: Path | None = None) -> Settings:
    # an empty variable (as copied from .env.example) means "not set"
    env = {k: v for k, v in (os.environ if env is None else env).items() if v != ""}
    root = (root or Path(env.get("NURTURE_HOME", "."))).resolve()
    config_path = Path(env.get("NURTURE_CONFIG", root / "nurture.yml"))
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {config_path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_path}: expected a mapping at the top level")
    reject_unknown_keys("the top level", raw, _TOP_KEYS)
    budget_env = env.get("NURTURE_BUDGET_PER_VISIT")
    profiling_raw = dict(raw.get("profiling") or {})
    if budget_env is not None:
        try:
            profiling_raw["budget_per_visit"] = int(budget_env)
        except ValueError as exc:
            raise ConfigError("NURTURE_BUDGET_PER_VISIT must be an integer") from exc
    return Settings(
        root=root,
        database_url=env.get("NURTURE_DATABASE_URL", DEFAULT_DATABASE_URL),
        admin_token=env.get("NURTURE_ADMIN_TOKEN") or None,
        action_token=env.get("NURTURE_ACTION_TOKEN") or None,
        rasa_token=env.get("RASA_TOKEN") or None,
        rasa_url=env.get("NURTURE_RASA_URL", "http://127.0.0.1:5005").rstrip("/"),
        business=_business(raw.get("business") or {}),
        profiling=_profiling(profiling_raw),
        scoring=parse_scoring(raw.get("scoring") or {}),
        stages=parse_stages(raw.get("stages") or {}),
        events_url=env.get("NURTURE_EVENTS_URL", DEFAULT_EVENTS_URL),
        rabbitmq_url=env.get("NURTURE_RABBITMQ_URL") or None,
        rabbitmq_queue=env.get("NURTURE_RABBITMQ_QUEUE", "rasa_events"),
        plan=parse_plan(raw),
        channels=_channels(env),
        raw=raw,
        metrics_token=env.get("NURTURE_METRICS_TOKEN") or None,
        cors_origins=tuple(o for o in env.get("NURTURE_CORS_ORIGINS", "").replace(",", " ").split() if o),
        tracker_url=env.get("NURTURE_TRACKER_URL", DEFAULT_TRACKER_URL),
        retention=_retention(raw.get("retention")),
    )
