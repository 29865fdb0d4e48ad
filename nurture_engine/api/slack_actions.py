"""``POST /slack/actions``: the sales alert buttons (Slack interactivity) on `nurture serve`.

The request must carry Slack's v0 signature made with ``SLACK_SIGNING_SECRET`` and a timestamp at most
5 minutes old (else 401). The body is form-encoded with one ``payload`` field holding JSON (else 400).
Slack wants an answer within 3 seconds, so a click is acknowledged with an empty 200 at once and handled
in a background task (alert state, `LeadActions`, chat.update); shutdown waits for the pending ones.
Clicks on other buttons and other interaction types are acknowledged, logged and ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Protocol
from urllib.parse import parse_qsl

from aiohttp import web
from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier

from ..alerts_model import ALERT_ID, MAX_FEEDBACK_CHARS, Alert, AlertAction, AlertClick, MessageRef
from ..alerts_slack import FEEDBACK_BLOCK, FEEDBACK_INPUT
from ..clock import Clock, SystemClock

log = logging.getLogger(__name__)
SLACK_ACTIONS_PATH = "/slack/actions"
MAX_BODY_BYTES = 48 * 1024  # an alert click carries the whole message; ours stay far below this


class ClickHandler(Protocol):
    async def handle_click(self, click: AlertClick) -> Alert | None: ...


class Malformed(ValueError):
    """A signed request whose payload is not a block_actions click we can read."""


class _ClockAdapter(SlackClock):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def parse_click(payload: dict[str, Any]) -> AlertClick | None:
    """The alert click of a block_actions payload; None for other buttons; `Malformed` when unreadable."""
    actions, user = payload.get("actions"), payload.get("user")
    if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
        raise Malformed("block_actions without actions")
    action_id = _text(actions[0].get("action_id"))
    if action_id not in AlertAction._value2member_map_:
        log.info("slack actions: click on action_id %r ignored (not a sales alert button)", action_id)
        return None
    alert_id = _text(actions[0].get("value"))
    user_id = _text(user.get("id")) if isinstance(user, dict) else None
    if alert_id is None or not ALERT_ID.fullmatch(alert_id) or user_id is None or len(user_id) > 64:
        raise Malformed("a sales button click needs an alert id value and a user id")
    container = _dict(payload, "container")
    channel, ts = _text(container.get("channel_id")), _text(container.get("message_ts"))
    typed = _dict(_dict(_dict(_dict(payload, "state"), "values"), FEEDBACK_BLOCK), FEEDBACK_INPUT).get("value")
    return AlertClick(action=AlertAction(action_id), alert_id=alert_id, user_id=user_id,
                      feedback=(_text(typed) or "").strip()[:MAX_FEEDBACK_CHARS],
                      message=MessageRef(channel=channel, ts=ts) if channel and ts else None)


async def _read_at_most(request: web.Request, limit: int) -> bytes | None:
    """The body, or None past `limit` bytes (chunked bodies have no Content-Length to check first)."""
    chunks, size = [], 0
    while chunk := await request.content.read(16 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class SlackActionRoute:
    def __init__(self, handler: ClickHandler, signing_secret: str | None, clock: Clock) -> None:
        self._handler = handler
        self._verifier = SignatureVerifier(signing_secret, _ClockAdapter(clock)) if signing_secret else None
        self.pending: set[asyncio.Task[Alert | None]] = set()

    async def __call__(self, request: web.Request) -> web.Response:
        if self._verifier is None:
            log.warning("slack actions: a click arrived but SLACK_SIGNING_SECRET is not set")
            return web.json_response({"error": "Slack interactivity is off: SLACK_SIGNING_SECRET is not set"},
                                     status=503)
        if (request.content_length or 0) > MAX_BODY_BYTES:
            log.warning("slack actions: rejected a %d-byte body (limit %d)", request.content_length, MAX_BODY_BYTES)
            return web.json_response({"error": "request too large"}, status=413)
        body = await _read_at_most(request, MAX_BODY_BYTES)
        if body is None:
            log.warning("slack actions: rejected a body over %d bytes", MAX_BODY_BYTES)
            return web.json_response({"error": "request too large"}, status=413)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            log.warning("slack actions: rejected a body that is not UTF-8")
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        if not timestamp.isdigit() or not self._verifier.is_valid(text, timestamp, signature):
            log.warning("slack actions: rejected a request with a missing, forged or stale signature")
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            click = self._click(text)
        except Malformed as error:
            log.warning("slack actions: rejected a malformed payload: %s", error)
            return web.json_response({"error": f"malformed payload: {error}"}, status=400)
        if click is not None:
            task = asyncio.create_task(self._handler.handle_click(click))
            self.pending.add(task)
            task.add_done_callback(self._done)
        return web.Response(status=200)

    @staticmethod
    def _click(text: str) -> AlertClick | None:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        if "payload" not in fields:
            raise Malformed("no payload field")
        try:
            payload = json.loads(fields["payload"])
        except json.JSONDecodeError as error:
            raise Malformed("payload is not JSON") from error
        if not isinstance(payload, dict):
            raise Malformed("payload is not a JSON object")
        if payload.get("type") != "block_actions":
            log.info("slack actions: %r interaction ignored", str(payload.get("type"))[:40])
            return None
        return parse_click(payload)

    def _done(self, task: asyncio.Task[Alert | None]) -> None:
        self.pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("slack actions: handling a click failed", exc_info=task.exception())

    async def drain(self, timeout: float = 10.0) -> None:
        """Waits for the clicks being handled (tests; shutdown)."""
        if self.pending:
            await asyncio.wait(set(self.pending), timeout=timeout)


def add_slack_action_routes(app: web.Application, handler: ClickHandler, signing_secret: str | None, *,
                            clock: Clock | None = None) -> SlackActionRoute:
    """Adds ``POST /slack/actions``; without a signing secret it answers 503 (interactivity off)."""
    route = SlackActionRoute(handler, signing_secret, clock or SystemClock())
    app.router.add_post(SLACK_ACTIONS_PATH, route)

    async def finish_clicks(_: web.Application) -> None:
        await route.drain()

    app.on_shutdown.append(finish_clicks)  # type: ignore[arg-type]  # aiohttp's Signal typing
    return route
