"""A fake Telegram Bot API (``POST /bot{token}/{method}``) and builders of the updates Telegram sends.

It speaks the wire protocol python-telegram-bot uses: form bodies whose complex values are JSON (or JSON
bodies), ``{"ok": true, "result": ...}`` answers, 401 ``Unauthorized`` for a wrong token, 404 for an
unknown method and — when a fault is injected — 429 with ``parameters.retry_after`` or a 5xx. Point a bot
at it with ``base_url=f"{fake.url}/bot"`` (the meaning of ``TELEGRAM_API_BASE_URL``).
"""

from __future__ import annotations

import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .base import FakeApiServer, RecordedCall

JsonObject = dict[str, Any]
BOT_USERNAME = "nurture_fake_bot"
TOKEN = "123456789:AAFakeTokenForTestsOnly_0123456789ab"  # noqa: S105 - a test credential
_STRING_PARAMS = frozenset({"text", "url", "secret_token", "callback_query_id", "parse_mode", "caption",
                            "inline_message_id", "ip_address"})
_ERRORS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def _value(name: str, raw: str) -> Any:
    """A form value as ptb encodes it: strings as is, everything else as JSON."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def _params(request: web.Request) -> JsonObject:
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
        return body
    form = await request.post()
    return {k: _value(k, v) for k, v in form.items() if isinstance(v, str)}


def _error(status: int, description: str, parameters: JsonObject | None = None) -> web.Response:
    body: JsonObject = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


class FakeTelegramApi(FakeApiServer):
    """Records every authenticated call (``RecordedCall.method`` is e.g. ``sendMessage``)."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        self.username = username
        self.webhook: JsonObject = {"url": ""}
        self._message_ids = itertools.count(1000)
        self._methods: dict[str, Callable[[JsonObject], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "answercallbackquery": lambda _params: True,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            "editmessagereplymarkup": self._edit_markup,
        }
        super().__init__()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    @property
    def base_url(self) -> str:
        """The value for ``TELEGRAM_API_BASE_URL``."""
        return f"{self.url}/bot"

    # -- for tests --------------------------------------------------------------------------------
    def sent(self, chat_id: int | str | None = None) -> list[JsonObject]:
        """The params of every recorded sendMessage (to `chat_id` if given)."""
        return [c.params for c in self.calls_to("sendMessage")
                if chat_id is None or str(c.params.get("chat_id")) == str(chat_id)]

    def texts(self, chat_id: int | str) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent(chat_id)]

    # -- protocol ---------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.match_info["token"].encode(), self.token.encode()):
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        handler = self._methods.get(method.lower())
        if handler is None:
            return _error(404, "Not Found")
        try:
            params = dict(request.query) | await _params(request)
        except ValueError:
            return _error(400, "Bad Request: can't parse request body")
        call = RecordedCall(method=method, params=params, headers=dict(request.headers))
        fault = self.take_fault()
        if fault is not None:
            self.record(call, failed=True, status=fault.status)
            if fault.status == 429:
                after = fault.retry_after or 1
                return _error(429, f"Too Many Requests: retry after {after}", {"retry_after": after})
            return _error(fault.status, _ERRORS.get(fault.status, "Internal Server Error"))
        try:
            result = handler(params)
        except (KeyError, TypeError, ValueError) as exc:
            return _error(400, f"Bad Request: {exc}")
        self.record(call)
        return web.json_response({"ok": True, "result": result})

    def _bot_user(self) -> JsonObject:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Nurture", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _get_me(self, _params: JsonObject) -> JsonObject:
        return self._bot_user()

    def _chat(self, chat_id: Any) -> JsonObject:
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise TypeError("chat not found")
        return {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "Test"}

    def _send_message(self, params: JsonObject) -> JsonObject:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("message text is empty")
        if len(text) > 4096:
            raise ValueError("message is too long")
        message: JsonObject = {"message_id": next(self._message_ids), "from": self._bot_user(),
                               "chat": self._chat(params["chat_id"]), "date": int(time.time()), "text": text}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _edit_markup(self, params: JsonObject) -> JsonObject | bool:
        if params.get("inline_message_id"):
            return True
        message: JsonObject = {"message_id": int(params["message_id"]), "from": self._bot_user(),
                               "chat": self._chat(params["chat_id"]), "date": int(time.time()),
                               "edit_date": int(time.time()), "text": ""}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _set_webhook(self, params: JsonObject) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise TypeError("bad webhook: URL must be a string")
        self.webhook = {"url": url, "secret_token": params.get("secret_token"),
                        "allowed_updates": params.get("allowed_updates")}
        return True

    def _delete_webhook(self, _params: JsonObject) -> bool:
        self.webhook = {"url": ""}
        return True

    def _webhook_info(self, _params: JsonObject) -> JsonObject:
        info: JsonObject = {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                            "pending_update_count": 0}
        if self.webhook.get("allowed_updates"):
            info["allowed_updates"] = self.webhook["allowed_updates"]
        return info


# -- updates as Telegram sends them to a webhook -------------------------------------------------------
_update_ids = itertools.count(int(time.time()) % 100_000 * 1000)


def user(user_id: int, first_name: str = "Ana", username: str | None = "ana_test") -> JsonObject:
    found: JsonObject = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        found["username"] = username
    return found


def text_update(chat_id: int, text: str, *, first_name: str = "Ana") -> JsonObject:
    """A private-chat text message (a command such as ``/start x`` gets its ``bot_command`` entity)."""
    message: JsonObject = {"message_id": next(_update_ids) % 1_000_000, "from": user(chat_id, first_name),
                           "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                           "date": int(time.time()), "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_update_ids), "message": message}


def callback_update(chat_id: int, data: str, *, message: JsonObject | None = None,
                    bot_id: int = 123456789) -> JsonObject:
    """A press on an inline-keyboard button of `message` (a message the bot sent, as the fake returned it)."""
    shown = message or {"message_id": 1, "chat": {"id": chat_id, "type": "private"}, "date": int(time.time()),
                        "text": "?", "from": {"id": bot_id, "is_bot": True, "first_name": "Nurture"}}
    return {"update_id": next(_update_ids),
            "callback_query": {"id": str(next(_update_ids)), "from": user(chat_id), "chat_instance": "42",
                               "message": shown, "data": data}}
