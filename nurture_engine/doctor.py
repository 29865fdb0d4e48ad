"""`nurture doctor`: checks the configuration and the environment before (or while) running the stack.

Each check gives OK, WARN (works, but unsafe or surprising) or FAIL (will not work, or must not go live);
the command prints a table and exits 1 when anything FAILs.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, load_settings
from .errors import ConfigError, NurtureError

MIN_TOKEN = 16
GOOD_TOKEN = 24


class Status(enum.Enum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True, kw_only=True)
class Check:
    name: str
    status: Status
    detail: str


def _token(name: str, value: str | None, *, needed_for: str) -> Check:
    if not value:
        return Check(name=name, status=Status.WARN,
                     detail=f"not set: {needed_for} (`nurture up` generates one into var/secrets.env)")
    if len(value) < MIN_TOKEN:
        return Check(name=name, status=Status.FAIL, detail=f"only {len(value)} characters; use at least "
                     f"{GOOD_TOKEN} random ones (python -c 'import secrets; print(secrets.token_urlsafe(24))')")
    if len(value) < GOOD_TOKEN:
        return Check(name=name, status=Status.WARN, detail=f"{len(value)} characters; {GOOD_TOKEN}+ recommended")
    return Check(name=name, status=Status.OK, detail=f"set ({len(value)} characters)")


def token_checks(settings: Settings) -> list[Check]:
    checks = [_token("NURTURE_ADMIN_TOKEN", settings.admin_token, needed_for="the admin API answers 403"),
              _token("NURTURE_ACTION_TOKEN", settings.action_token, needed_for="the action server will not start"),
              _token("RASA_TOKEN", settings.rasa_token, needed_for="follow-ups are not added to conversations")]
    if settings.metrics_token:
        checks.append(_token("NURTURE_METRICS_TOKEN", settings.metrics_token, needed_for=""))
    tokens = [t for t in (settings.admin_token, settings.action_token, settings.rasa_token) if t]
    if len(set(tokens)) < len(tokens):
        checks.append(Check(name="distinct tokens", status=Status.FAIL,
                            detail="the admin, action and Rasa tokens must differ (one leak would open all)"))
    return checks


def channel_checks(settings: Settings, env: Mapping[str, str]) -> list[Check]:
    ch = settings.channels
    checks: list[Check] = []
    if ch.telegram_token:
        if not env.get("TELEGRAM_WEBHOOK_SECRET"):
            checks.append(Check(name="telegram", status=Status.FAIL, detail="TELEGRAM_BOT_TOKEN is set without "
                                "TELEGRAM_WEBHOOK_SECRET: anyone could post fake updates to the webhook"))
        else:
            checks.append(Check(name="telegram", status=Status.OK, detail="bot token and webhook secret set"))
        if ch.telegram_base_url and not ch.telegram_base_url.startswith(("https://", "http://127.0.0.1",
                                                                         "http://localhost")):
            checks.append(Check(name="telegram base URL", status=Status.WARN,
                                detail="TELEGRAM_API_BASE_URL is not HTTPS: the bot token travels in clear"))
    elif env.get("TELEGRAM_WEBHOOK_SECRET"):
        checks.append(Check(name="telegram", status=Status.WARN,
                            detail="TELEGRAM_WEBHOOK_SECRET is set but TELEGRAM_BOT_TOKEN is not: channel off"))
    if ch.slack_token or ch.slack_signing_secret:
        if not (ch.slack_token and ch.slack_signing_secret):
            missing = "SLACK_SIGNING_SECRET" if ch.slack_token else "SLACK_BOT_TOKEN"
            checks.append(Check(name="slack", status=Status.FAIL,
                                detail=f"{missing} is missing: the Slack channel stays off (503)"))
        else:
            checks.append(Check(name="slack", status=Status.OK, detail="bot token and signing secret set"))
    if ch.slack_sales_channel and not ch.slack_token:
        checks.append(Check(name="sales alerts", status=Status.WARN,
                            detail="SLACK_SALES_CHANNEL is set but SLACK_BOT_TOKEN is not: alerts are not posted"))
    if ch.recording_url:
        checks.append(Check(name="recording", status=Status.WARN, detail="NURTURE_RECORDING_URL is set: every "
                            "follow-up goes to a test endpoint instead of its channel"))
    return checks


def deployment_checks(settings: Settings, env: Mapping[str, str]) -> list[Check]:
    checks: list[Check] = []
    if "*" in settings.cors_origins:
        checks.append(Check(name="CORS", status=Status.WARN, detail='NURTURE_CORS_ORIGINS contains "*": any site '
                            "can embed the assistant and talk to Rasa from a visitor's browser"))
    else:
        origins = " ".join(settings.cors_origins) or "the nurture serve origins (default)"
        checks.append(Check(name="CORS", status=Status.OK, detail=origins))
    sqlite = settings.database_url.startswith("sqlite")
    scaled = bool(settings.rabbitmq_url) or "scale" in env.get("NURTURE_ENDPOINTS", "")
    if sqlite and scaled:
        checks.append(Check(name="database setup", status=Status.WARN, detail="SQLite lead store in a multi-process "
                            "setup (RabbitMQ / scale endpoints): use PostgreSQL (NURTURE_DATABASE_URL)"))
    try:
        from .api.middleware import parse_limits

        parse_limits(settings.raw.get("limits"))
        checks.append(Check(name="limits", status=Status.OK, detail="rate and size limits parse"))
    except ConfigError as exc:
        checks.append(Check(name="limits", status=Status.FAIL, detail=str(exc)))
    model = settings.root / "models" / "nurture.tar.gz"
    checks.append(Check(name="model", status=Status.OK, detail=str(model)) if model.exists() else
                  Check(name="model", status=Status.FAIL, detail=f"no trained model at {model}: run `nurture train`"))
    return checks


def database_check(url: str) -> Check:
    """Reachable, and at the newest migration."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from .store.migrate import MIGRATIONS, sync_url

    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return Check(name="database", status=Status.FAIL, detail="the SQLite file does not exist: run "
                     "`nurture db upgrade`")

    def current() -> str | None:
        engine = create_engine(sync_url(url), future=True)
        try:
            with engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        finally:
            engine.dispose()

    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        revision = current()
    except Exception as exc:  # any driver error means "not reachable"; the table says which
        return Check(name="database", status=Status.FAIL, detail=f"not reachable: {type(exc).__name__}")
    if revision != head:
        return Check(name="database", status=Status.FAIL,
                     detail=f"at migration {revision or 'none'}, code needs {head}: run `nurture db upgrade`")
    return Check(name="database", status=Status.OK, detail=f"reachable, at migration {head}")


def run_checks(env: Mapping[str, str], load: Callable[[Mapping[str, str]], Settings] | None = None) -> list[Check]:
    try:
        settings = (load or (lambda e: load_settings(env=e)))(env)
    except NurtureError as exc:
        return [Check(name="nurture.yml", status=Status.FAIL, detail=str(exc))]
    from .bootstrap import resolve_database_url

    checks = [Check(name="nurture.yml", status=Status.OK, detail="parses"), *token_checks(settings),
              *channel_checks(settings, env), *deployment_checks(settings, env)]
    checks.append(database_check(resolve_database_url(settings)))
    return checks


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{'check':{width}}  status  detail", f"{'-' * width}  ------  ------"]
    lines.extend(f"{c.name:{width}}  {c.status.value:6}  {c.detail}" for c in checks)
    return "\n".join(lines)


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status is Status.FAIL for c in checks) else 0
