"""Rasa input channel for Telegram: ``POST /webhooks/telegram/webhook`` on the Rasa server.

Registered in bot/credentials.yml by class path; settings come from the environment when Rasa builds the
channel (`TelegramSettings.from_env`). Without ``TELEGRAM_BOT_TOKEN`` the channel is off and the webhook
answers 503. Every update must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to
``TELEGRAM_WEBHOOK_SECRET`` (403 otherwise — everything is refused while the secret is unset). Private-chat
text messages and inline-keyboard presses reach Rasa with ``sender_id`` = the chat id; other update kinds
are acknowledged and ignored. ``/start <payload>`` (a deep link from the web widget) is forwarded as
``/session_start`` with the payload in the metadata, then ``/greet``: the action server links the chat to
the web visitor's lead before the profile is loaded (see actions/session.py).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Chat, Message, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError

from ..linking import METADATA_CHANNEL_KEY, METADATA_PAYLOAD_KEY
from .telegram_bot import Bot, BotHolder, TelegramSettings, describe
from .telegram_output import CallbackPayloads, TelegramOutput

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY = 256 * 1024
CHANNEL = "telegram"
_START = re.compile(r"/start(?:@\w+)?(?:\s+(?P<arg>.*))?", re.ASCII | re.DOTALL)
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
_COMMANDS = {"/stop": "/opt_out"}  # Telegram's conventional command for STOP


class BadUpdate(ValueError):
    """The body is not a Telegram Update."""


@dataclass(frozen=True, kw_only=True)
class Inbound:
    """What one update means for Rasa: the chat, the user messages in order, and a button press to ack."""

    update_id: int
    chat_id: int
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    callback_query_id: str | None = None
    keyboard_message_id: int | None = None


def _user_info(user: User | None) -> dict[str, Any]:
    if user is None:
        return {}
    info = {"id": user.id, "username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "language_code": user.language_code}
    return {k: v for k, v in info.items() if v is not None}


def _texts(text: str, metadata: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    start = _START.fullmatch(text)
    if start is None:
        return [(_COMMANDS.get(text.strip().lower(), text), metadata)]
    arg = (start.group("arg") or "").strip()
    payload = arg if _PAYLOAD.fullmatch(arg) else None
    greet = ("/greet", metadata)
    return [("/session_start", {**metadata, METADATA_PAYLOAD_KEY: payload}), greet] if payload else [greet]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _button_title(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    for row in rows if isinstance(rows, tuple | list) else ():
        for button in row if isinstance(row, tuple | list) else ():
            if getattr(button, "callback_data", None) == data and isinstance(getattr(button, "text", None), str):
                return str(button.text)
    return None


def _decode(body: bytes) -> Update:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: JSON nested too deeply
        raise BadUpdate(f"not JSON: {type(exc).__name__}") from exc
    if not isinstance(data, dict) or not _is_int(data.get("update_id")):
        raise BadUpdate("not an Update: no integer update_id")
    try:
        return Update.de_json(data, None)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, OSError) as exc:
        raise BadUpdate(f"not an Update: {type(exc).__name__}: {exc}") from exc


def _check_message(message: Message, user: User | None) -> None:
    """ptb does not check types: a message the assistant will act on must have them right."""
    chat = message.chat
    if not isinstance(chat, Chat) or not _is_int(chat.id) or not isinstance(chat.type, str):
        raise BadUpdate("not an Update: a message needs a chat with an integer id and a type")
    if not _is_int(message.message_id):
        raise BadUpdate("not an Update: a message needs an integer message_id")
    if user is not None and (not isinstance(user, User) or not _is_int(user.id)):
        raise BadUpdate("not an Update: a user needs an integer id")


def parse_update(body: bytes, payloads: CallbackPayloads) -> Inbound | None:
    """The user messages of an update, None for kinds the assistant ignores; `BadUpdate` for a body
    that is not an Update."""
    update = _decode(body)
    pressed = update.callback_query
    if update.message is not None:
        message, text = update.message, update.message.text
        if not isinstance(text, str | None):
            raise BadUpdate("not an Update: a message text must be a string")
        user = message.from_user
    elif pressed is not None:
        shown, data, user = pressed.message, pressed.data, pressed.from_user
        if not isinstance(pressed.id, str) or not isinstance(data, str | None):
            raise BadUpdate("not an Update: a callback query needs a string id and data")
        if data is None or not isinstance(shown, Message):
            return None  # a game button, an inline message's keyboard, or a message too old to see
        message = shown
        _check_message(message, user)
        text = payloads.decode(data) or _button_title(message, data)
    else:
        return None
    _check_message(message, user)
    if not text or not text.strip() or message.chat.type != ChatType.PRIVATE or user is None or user.is_bot is True:
        return None
    chat_id = message.chat.id
    metadata = {METADATA_CHANNEL_KEY: CHANNEL,
                CHANNEL: {"update_id": update.update_id, "chat_id": chat_id, "message_id": message.message_id,
                          "user": _user_info(user)}}
    return Inbound(update_id=update.update_id, chat_id=chat_id,
                   messages=_texts(text, metadata) if pressed is None else [(text, metadata)],
                   callback_query_id=pressed.id if pressed else None,
                   keyboard_message_id=message.message_id if pressed else None)


class RecentUpdates:
    """Update ids seen lately: Telegram redelivers an update it thinks failed; it is handled once."""

    def __init__(self, capacity: int = 2048) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._capacity = capacity

    def claim(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True

    def release(self, update_id: int) -> None:
        self._seen.pop(update_id, None)


Reply = tuple[int, dict[str, Any]]
OnMessage = Callable[[UserMessage], Awaitable[Any]]


class TelegramInput(InputChannel):  # type: ignore[misc]  # rasa ships no type information
    def __init__(self, settings: TelegramSettings) -> None:
        self.settings = settings
        self.payloads = CallbackPayloads()
        self.bots = BotHolder(settings)
        self._recent = RecentUpdates()
        self._warned = False

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        settings = TelegramSettings.from_env(os.environ)
        if not settings.enabled:
            log.info("telegram channel off: TELEGRAM_BOT_TOKEN is not set")
        return cls(settings)

    def get_output_channel(self) -> TelegramOutput | None:
        return TelegramOutput(self.bots.get, self.payloads) if self.settings.enabled else None

    def check(self, secret: str | None, body: bytes) -> Reply | None:
        """The refusal for a request that is not a genuine, acceptable update (None when it is)."""
        if not self.settings.enabled:
            return 503, {"error": "the telegram channel is off: TELEGRAM_BOT_TOKEN is not set"}
        expected = self.settings.webhook_secret
        if expected is None:
            if not self._warned:
                log.error("telegram: TELEGRAM_WEBHOOK_SECRET is not set: every update is refused "
                          "(set it, then `nurture telegram set-webhook`)")
                self._warned = True
            return 403, {"error": "webhook secret not configured"}
        if secret is None:
            log.warning("telegram: update without %s refused", SECRET_HEADER)
            return 403, {"error": "missing secret token"}
        if not hmac.compare_digest(secret.encode(), expected.encode()):
            log.warning("telegram: update with a wrong secret token refused")
            return 403, {"error": "wrong secret token"}
        if len(body) > MAX_BODY:
            log.warning("telegram: update of %d bytes refused", len(body))
            return 413, {"error": f"body larger than {MAX_BODY} bytes"}
        return None

    async def handle(self, secret: str | None, body: bytes, on_new_message: OnMessage) -> Reply:
        refusal = self.check(secret, body)
        if refusal is not None:
            return refusal
        try:
            inbound = parse_update(body, self.payloads)
        except BadUpdate as exc:
            log.warning("telegram: bad update refused: %s", str(exc)[:200])
            return 400, {"error": str(exc)[:200]}
        if inbound is None:
            return 200, {"status": "ignored"}
        if not self._recent.claim(inbound.update_id):
            return 200, {"status": "duplicate"}
        try:
            bot = await self.bots.get()
        except TelegramError as exc:
            self._recent.release(inbound.update_id)
            log.error("telegram: the Bot API refused or is unreachable (%s): update left for redelivery",
                      describe(exc))
            return 503, {"error": "telegram bot API unreachable"}
        try:
            await self._ack(bot, inbound)
            output = TelegramOutput(self.bots.get, self.payloads)
            for text, metadata in inbound.messages:
                await on_new_message(UserMessage(text, output, str(inbound.chat_id), input_channel=CHANNEL,
                                                 metadata=metadata))
        except BaseException:
            self._recent.release(inbound.update_id)
            raise
        return 200, {"status": "ok"}

    async def _ack(self, bot: Bot, inbound: Inbound) -> None:
        """A button press: stop the client's spinner and take the keyboard away (it was answered)."""
        if inbound.callback_query_id is None:
            return
        try:
            await bot.answer_callback_query(inbound.callback_query_id)
            if inbound.keyboard_message_id is not None:
                await bot.edit_message_reply_markup(chat_id=inbound.chat_id,
                                                    message_id=inbound.keyboard_message_id, reply_markup=None)
        except TelegramError as exc:
            log.warning("telegram: acknowledging a button press failed: %s", describe(exc))

    def blueprint(self, on_new_message: OnMessage) -> Blueprint:
        hook = Blueprint(f"nurture_telegram_webhook_{id(self)}", __name__)

        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "enabled": self.settings.enabled})

        async def webhook(request: Request) -> HTTPResponse:
            status, body = await self.handle(request.headers.get(SECRET_HEADER), request.body or b"",
                                             on_new_message)
            return response.json(body, status=status)

        async def close(app: Any, loop: Any) -> None:
            await self.bots.shutdown()

        hook.add_route(health, "/", methods=["GET"])
        hook.add_route(webhook, "/webhook", methods=["POST"])
        hook.after_server_stop(close)
        return hook
