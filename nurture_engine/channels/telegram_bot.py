"""Telegram settings and the bot: python-telegram-bot's `ExtBot` with `AIORateLimiter`.

The rate limiter keeps to Telegram's flood limits and waits out a 429's ``retry_after`` before retrying.
The connector holds one bot (`BotHolder`), built and initialised (``getMe``) on first use. The webhook
commands (`nurture telegram set-webhook` / `webhook-info`) live here too. Nothing here imports Rasa.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from ..errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ("message", "callback_query")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
Bot = ExtBot[Any]


def describe(exc: TelegramError) -> str:
    """An error for the log: Telegram's description, except ptb's InvalidToken (its message names the token)."""
    return type(exc).__name__ if isinstance(exc, InvalidToken) else f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True, kw_only=True)
class TelegramSettings:
    """From the environment (an empty variable counts as unset); the channel is off without a token."""

    token: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    bot_username: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramSettings:
        def get(name: str) -> str | None:
            return env.get(name, "").strip() or None

        return cls(token=get("TELEGRAM_BOT_TOKEN"), webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
                   api_base_url=get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
                   bot_username=(get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None)

    @property
    def enabled(self) -> bool:
        return self.token is not None


class TokenFilter(logging.Filter):
    """Masks the bot token, which is part of every Bot API URL that httpx logs at INFO."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<TELEGRAM_BOT_TOKEN>"), ()
        return True


def hide_token(token: str, loggers: tuple[str, ...] = ("httpx", "telegram.Bot", "telegram.ext.ExtBot")) -> None:
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenFilter) and f.token == token for f in logger.filters):
            logger.addFilter(TokenFilter(token))


def build_bot(settings: TelegramSettings, *, max_retries: int = 2) -> Bot:
    """An uninitialised bot; `TELEGRAM_API_BASE_URL` has ptb's ``base_url`` meaning (the token is appended)."""
    if settings.token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    hide_token(settings.token)
    request = HTTPXRequest(connection_pool_size=16, pool_timeout=10.0)
    return ExtBot(settings.token, base_url=settings.api_base_url, request=request,
                  rate_limiter=AIORateLimiter(max_retries=max_retries))


class BotHolder:
    """One bot per connector: built and initialised on first use; a failed ``getMe`` is retried next time."""

    def __init__(self, settings: TelegramSettings) -> None:
        self._settings = settings
        self._bot: Bot | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Bot:
        async with self._lock:
            if self._bot is None:
                bot = build_bot(self._settings)
                try:
                    await bot.initialize()
                except BaseException:
                    await bot.shutdown()
                    raise
                log.info("telegram bot @%s ready", bot.username)
                self._bot = bot
            return self._bot

    async def shutdown(self) -> None:
        async with self._lock:
            if self._bot is not None:
                await self._bot.shutdown()
                self._bot = None


async def set_webhook(settings: TelegramSettings, url: str, *, drop_pending: bool = False) -> dict[str, Any]:
    """Points Telegram at `url` with the secret token and the update kinds the connector handles."""
    if settings.token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
    secret = settings.webhook_secret
    if secret is None or not _SECRET.fullmatch(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET must be set to 1-256 characters of [A-Za-z0-9_-]"
                          " (the webhook refuses updates without it)")
    async with build_bot(settings) as bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES),
                              drop_pending_updates=drop_pending)
        return await webhook_info(settings, bot)


async def webhook_info(settings: TelegramSettings, bot: Bot | None = None) -> dict[str, Any]:
    if bot is None:
        if settings.token is None:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set")
        async with build_bot(settings) as own:
            return await webhook_info(settings, own)
    info = await bot.get_webhook_info()
    return {"bot": bot.username, "url": info.url, "pending_update_count": info.pending_update_count,
            "allowed_updates": list(info.allowed_updates or ()), "last_error_message": info.last_error_message}
