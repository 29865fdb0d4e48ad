"""Logging of the `nurture` processes: text or one JSON object per line (NURTURE_LOG_FORMAT=json), personal
data redacted (redact.py) and secrets masked.

Secrets are masked by a log-record factory, not only by a handler filter: libraries that install their own
handlers later (sanic in the action server) still only ever see records whose message has been cleaned.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from .redact import RedactingFilter, redact

MASK = "[secret]"
SECRET_VARS = ("NURTURE_ADMIN_TOKEN", "NURTURE_ACTION_TOKEN", "NURTURE_METRICS_TOKEN", "RASA_TOKEN",
               "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
               "NURTURE_CRM_WEBHOOK_SECRET")
MIN_SECRET = 6
"""Shorter values are not masked: they would mask ordinary words (and are flagged by `nurture doctor`)."""


def secret_values(env: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted({v for k in SECRET_VARS if len(v := env.get(k, "")) >= MIN_SECRET}, key=len, reverse=True))


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the exception if any."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = mask(redact(self.formatException(record.exc_info)), self._secrets)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._secrets = tuple(secrets)

    def formatException(self, ei: Any) -> str:
        return mask(redact(super().formatException(ei)), self._secrets)


def masking_factory(secrets: tuple[str, ...],
                    base: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if secrets:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a bad format string: keep the raw message, masked
                message = str(record.msg)
            cleaned = mask(message, secrets)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return record

    return make


def configure_logging(level: str = "INFO", fmt: str = "text", env: Mapping[str, str] | None = None) -> None:
    """Root logging for a `nurture` process; `env` names the secrets to mask (its token variables)."""
    if fmt not in {"text", "json"}:
        raise ValueError(f"NURTURE_LOG_FORMAT must be text or json, got {fmt!r}")
    secrets = secret_values(env or {})
    base = getattr(logging.getLogRecordFactory(), "nurture_base", logging.getLogRecordFactory())
    factory = masking_factory(secrets, base)
    factory.nurture_base = base  # type: ignore[attr-defined]  # re-configuring does not stack factories
    logging.setLogRecordFactory(factory)
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
