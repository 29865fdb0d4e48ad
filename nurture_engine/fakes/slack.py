"""A fake Slack Web API (``POST /api/{method}``) and the request signing Slack applies to its callbacks.

It speaks the wire protocol slack_sdk's ``AsyncWebClient`` expects: JSON or form bodies, a Bearer token,
``{"ok": false, "error": ...}`` answers with HTTP 200 for API errors, and — when a fault is injected —
HTTP 429 with ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``, or a 5xx.
Point the client at it with ``base_url=f"{fake.url}/api/"`` (the meaning of ``SLACK_API_BASE_URL``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from .base import FakeApiServer, RecordedCall

BOT_USER_ID = "U0FAKEBOT"
BOT_ID = "B0FAKEBOT"
TEAM_ID = "T0FAKE"
JsonObject = dict[str, Any]


def sign(body: str | bytes, signing_secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a callback: a v0 HMAC-SHA256 of ``v0:{ts}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(signing_secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


class FakeSlackApi(FakeApiServer):
    """Records every authenticated Web API call (``RecordedCall.method`` is e.g. ``chat.postMessage``)."""

    def __init__(self, token: str = "xoxb-fake-token") -> None:  # noqa: S107 - a test credential
        self.token = token
        self._ts = itertools.count(1)
        self._methods: dict[str, Callable[[JsonObject], JsonObject]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.open": self._open,
        }
        super().__init__()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._handle)

    # -- for tests --------------------------------------------------------------------------------
    def messages(self, channel: str | None = None) -> list[JsonObject]:
        """The params of every recorded chat.postMessage (to `channel` if given)."""
        return [c.params for c in self.calls_to("chat.postMessage")
                if channel is None or c.params.get("channel") == channel]

    # -- protocol ---------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await _params(request)
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_json"})
        token = params.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ")
        call = RecordedCall(method=method, params=params, headers=dict(request.headers))
        fault = self.take_fault()
        if fault is not None:
            self.record(call, failed=True, status=fault.status)
            return _fault_response(fault.status, fault.retry_after)
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if not hmac.compare_digest(str(token), self.token):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = self._methods.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        self.record(call)
        return web.json_response(handler(params))

    def _next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _auth_test(self, _params: JsonObject) -> JsonObject:
        return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake Team", "user": "nurture",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _post_message(self, params: JsonObject) -> JsonObject:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message: JsonObject = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "team": TEAM_ID,
                               "text": params.get("text", ""), "ts": ts}
        for key in ("blocks", "thread_ts"):
            if params.get(key):
                message[key] = params[key]
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _update(self, params: JsonObject) -> JsonObject:
        if not params.get("channel") or not params.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": params.get("text", ""),
                   "blocks": params.get("blocks", [])}
        return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": message["text"],
                "message": message}

    def _open(self, params: JsonObject) -> JsonObject:
        users = str(params.get("users") or "")
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("U")}}


async def _params(request: web.Request) -> JsonObject:
    """The call's arguments, from a JSON body, a form body or the query string (as Slack accepts them)."""
    params: JsonObject = dict(request.query)
    if request.content_type == "application/json":
        body = json.loads(await request.text() or "{}")
        if not isinstance(body, dict):
            raise ValueError("a JSON object is required")
        params.update(body)
    elif request.can_read_body:
        params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in ("blocks", "attachments"):
        if isinstance(params.get(key), str):  # form bodies carry them JSON-encoded
            params[key] = json.loads(params[key])
    return params


def _fault_response(status: int, retry_after: int | None) -> web.Response:
    if status == 429:
        headers = {"Retry-After": str(retry_after if retry_after is not None else 1)}
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers=headers)
    return web.Response(status=status, text="fake Slack outage", content_type="text/plain")



# -- callbacks as Slack sends them (for tests and demos) --------------------------------------------
def event_callback(event: JsonObject, *, event_id: str, team_id: str = TEAM_ID) -> JsonObject:
    """An Events API envelope around `event`."""
    return {"token": "unused-verification-token", "team_id": team_id, "api_app_id": "A0FAKEAPP", "event": event,
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": BOT_USER_ID, "is_bot": True}]}


def dm_event(*, user: str, text: str, channel: str, ts: str | None = None) -> JsonObject:
    """A ``message.im`` event: `user` wrote `text` in the DM `channel`."""
    return {"type": "message", "channel_type": "im", "user": user, "text": text, "channel": channel,
            "ts": ts or f"{time.time():.6f}", "team": TEAM_ID, "client_msg_id": f"msg-{next(_ids)}"}


def mention_event(*, user: str, text: str, channel: str, ts: str | None = None) -> JsonObject:
    """An ``app_mention`` event (`text` should contain ``<@U0FAKEBOT>``)."""
    return {"type": "app_mention", "user": user, "text": text, "channel": channel,
            "ts": ts or f"{time.time():.6f}", "team": TEAM_ID}


def block_actions(*, user: str, channel: str, message: JsonObject, action_id: str, value: str) -> JsonObject:
    """The interactivity payload of a click on button `action_id` of bot `message` (a chat.postMessage result)."""
    return {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0FAKEAPP", "token": "unused-verification-token", "trigger_id": f"trigger-{next(_ids)}",
            "team": {"id": TEAM_ID, "domain": "fake"}, "channel": {"id": channel, "name": "directmessage"},
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
            "message": message, "response_url": "https://hooks.slack.test/actions/unused",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b0", "value": value,
                         "text": {"type": "plain_text", "text": value[:75]}, "action_ts": f"{time.time():.6f}"}]}


def form_payload(payload: JsonObject) -> str:
    """How Slack posts interactivity: ``application/x-www-form-urlencoded`` with one ``payload`` field."""
    return urlencode({"payload": json.dumps(payload)})


_ids = itertools.count(1)
