"""Follow-ups on Telegram through python-telegram-bot's Bot, rate-limited by AIORateLimiter."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from ..domain import Channel
from .adapters import Outgoing, SendFailed


class TelegramAdapter:
    channel = Channel.TELEGRAM

    def __init__(self, token: str, base_url: str | None = None) -> None:
        self._bot: Bot = ExtBot(token, base_url=base_url or "https://api.telegram.org/bot",
                                rate_limiter=AIORateLimiter(max_retries=0))
        self._started = False

    async def start(self) -> None:
        return None  # initialised on first send: a dispatcher with nothing to send needs no network

    async def stop(self) -> None:
        if self._started:
            await self._bot.shutdown()
            self._started = False

    async def send(self, message: Outgoing) -> None:
        try:
            if not self._started:
                await self._bot.initialize()
                self._started = True
            await self._bot.send_message(chat_id=int(message.recipient), text=message.text)
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            raise SendFailed(f"telegram rate limit: retry after {seconds:g}s", retryable=True,
                             retry_after=seconds) from exc
        except (Forbidden, BadRequest, InvalidToken) as exc:
            raise SendFailed(f"telegram refused the message: {exc.message}", retryable=False) from exc
        except NetworkError as exc:  # timeouts and 5xx answers
            raise SendFailed(f"telegram unavailable: {exc.message}", retryable=True) from exc
        except TelegramError as exc:
            raise SendFailed(f"telegram error: {exc.message}", retryable=True) from exc
        except ValueError as exc:
            raise SendFailed(f"not a telegram chat id: {message.recipient!r}", retryable=False) from exc
