"""The Rasa output channel for Telegram: replies through the connector's one bot.

Texts go out as plain text — no ``parse_mode`` — so nothing a user typed (a name echoed back) can become
markup. Rasa buttons become an inline keyboard whose ``callback_data`` carries the button payload
(Telegram allows 64 bytes; longer payloads travel as a digest, see `CallbackPayloads`).
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from rasa.core.channels.channel import OutputChannel
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from .telegram_bot import Bot, describe

log = logging.getLogger(__name__)

MAX_CALLBACK_DATA = 64
MAX_TEXT = 4096
DIGEST_MARK = "#"


class CallbackPayloads:
    """Rasa button payloads as ``callback_data``. A payload that fits in 64 bytes is sent as is; a longer
    one (or one starting with the digest mark) is sent as ``#`` + a digest and remembered here (bounded).
    A press whose digest is unknown — after a restart, or answered by another Rasa process — is resolved
    by the input channel from the pressed button's title instead."""

    def __init__(self, capacity: int = 4096) -> None:
        self._by_digest: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_DATA and not payload.startswith(DIGEST_MARK):
            return payload
        digest = base64.urlsafe_b64encode(hashlib.sha256(payload.encode()).digest()[:24]).decode()
        data = DIGEST_MARK + digest
        self._by_digest[data] = payload
        self._by_digest.move_to_end(data)
        while len(self._by_digest) > self._capacity:
            self._by_digest.popitem(last=False)
        return data

    def decode(self, data: str) -> str | None:
        """The payload of a pressed button; None for a digest this process does not know."""
        if not data.startswith(DIGEST_MARK):
            return data
        return self._by_digest.get(data)


def keyboard(buttons: Iterable[Mapping[str, Any]], payloads: CallbackPayloads) -> InlineKeyboardMarkup | None:
    """One button per row (titles can be long); link buttons (``url``) open the page."""
    rows = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "")[:64]
        if not title:
            continue
        url = button.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")) and not button.get("payload"):
            rows.append([InlineKeyboardButton(title, url=url)])
        else:
            rows.append([InlineKeyboardButton(title, callback_data=payloads.encode(str(button.get("payload")
                                                                                       or title)))])
    return InlineKeyboardMarkup(rows) if rows else None


def chunks(text: str, size: int = MAX_TEXT) -> list[str]:
    """Telegram's message limit, split at paragraph or line breaks where possible."""
    parts: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n\n", 0, size)
        cut = cut if cut > 0 else rest.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        parts.append(rest[:cut].rstrip("\n"))
        rest = rest[cut:].lstrip("\n")
    return [*parts, rest] if rest else parts


class TelegramOutput(OutputChannel):  # type: ignore[misc]  # rasa ships no type information
    """Sends to the chat whose id is the Rasa sender id. A failed send (user blocked the bot, Telegram
    down after the rate limiter's retries) is logged, not raised: the update was handled, and failing the
    webhook would only make Telegram deliver it again."""

    def __init__(self, bot: Callable[[], Awaitable[Bot]], payloads: CallbackPayloads) -> None:
        self._bot = bot
        self._payloads = payloads

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def _send(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        parts = chunks(text) or [""]
        try:
            bot = await self._bot()
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                await bot.send_message(chat_id=chat_id, text=part, reply_markup=markup if last else None)
        except TelegramError as exc:
            log.warning("telegram: sending to a chat failed: %s", describe(exc))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if text.strip():
            await self._send(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._send(recipient_id, text or "…", keyboard(buttons, self._payloads))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        log.debug("telegram: custom payload not sent (no Telegram rendering): keys %s", sorted(json_message))
