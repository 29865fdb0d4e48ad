"""Rasa input channel for Slack (``/webhooks/slack/webhook``), built on slack-bolt's AsyncApp.

Register it in bot/credentials.yml as ``nurture_engine.channels.slack.SlackInput:``. Settings come from
the environment when Rasa builds the channel: ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET`` and
``SLACK_API_BASE_URL`` (slack_sdk's base_url). Without a token and a signing secret the channel is off and
its webhook answers 503, but Rasa starts.

Signatures and timestamps are verified (401) before the body is parsed (400 when malformed), and again by
bolt, which also answers ``url_verification`` and drops our own events.
This module acks fast (Slack wants an answer within 3 s) and hands each message to Rasa in a background
task; Slack's retries of an event already seen (same ``event_id``) are acknowledged and dropped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from .bolt_sanic import MalformedSlackRequest, to_bolt_request, to_sanic_response
from .guard import guarded
from .slack_events import QUICK_REPLY_PREFIX, Inbound, RecentIds, inbound_from_click, inbound_from_event
from .slack_output import DEFAULT_API_BASE_URL, SlackOutput, describe, make_client

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
ActionHook = Callable[[dict[str, Any], dict[str, Any]], Awaitable[None]]
"""Handles one block_actions click: (request body, the clicked action)."""


@dataclass(frozen=True, kw_only=True)
class SlackSettings:
    bot_token: str
    signing_secret: str
    api_base_url: str = DEFAULT_API_BASE_URL

    def __repr__(self) -> str:  # never show the secrets
        return f"SlackSettings(api_base_url={self.api_base_url!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SlackSettings | None:
        """None (channel off) unless both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set; empty = unset."""
        token, secret = env.get("SLACK_BOT_TOKEN") or None, env.get("SLACK_SIGNING_SECRET") or None
        if token is None or secret is None:
            if token or secret:
                logger.error("slack: channel off: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must both be set")
            return None
        return cls(bot_token=token, signing_secret=secret,
                   api_base_url=env.get("SLACK_API_BASE_URL") or DEFAULT_API_BASE_URL)


class SlackInput(InputChannel):  # type: ignore[misc]  # rasa ships no type information
    """Events API (DMs and mentions) and interactivity (quick-reply clicks) on one endpoint."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SlackInput:
        channel = cls(SlackSettings.from_env(os.environ))
        service_url = os.environ.get("NURTURE_SERVICE_URL")
        if channel.settings is not None and service_url:  # sales-alert buttons belong to `nurture serve`
            from .slack_forward import SALES_PREFIX, sales_forwarder

            channel.add_action_hook(SALES_PREFIX, sales_forwarder(service_url, channel.settings.signing_secret))
        return channel

    def __init__(self, settings: SlackSettings | None) -> None:
        self.settings = settings
        self.client: AsyncWebClient | None = None
        if settings is not None:
            self.client = make_client(settings.bot_token, settings.api_base_url)
        self.seen = RecentIds()
        self.tasks: set[asyncio.Task[None]] = set()
        self.action_hooks: dict[str, ActionHook] = {}
        """action_id prefix → hook; quick replies (``qr_``) are built in, sales alerts can add theirs."""

    def add_action_hook(self, prefix: str, hook: ActionHook) -> None:
        self.action_hooks[prefix] = hook

    def get_output_channel(self) -> OutputChannel | None:
        """For messages Rasa sends on its own (``output_channel=slack``): to the recipient's DM."""
        return SlackOutput(self.client) if self.client is not None else None

    def build_app(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> AsyncApp | None:
        if self.settings is None or self.client is None:
            return None
        app = AsyncApp(name="nurture-slack", client=self.client, signing_secret=self.settings.signing_secret,
                       process_before_response=True, raise_error_for_unhandled_request=False)
        # drops ids Rasa's tracker store cannot take (Slack allows 40,000 characters per message)
        handler = _Handler(self, guarded(on_new_message, "slack", max_text=40_000))
        self.action_hooks.setdefault(QUICK_REPLY_PREFIX, handler.quick_reply)
        app.event("message")(handler.on_event)
        app.event("app_mention")(handler.on_event)
        app.event(re.compile(".*"))(handler.on_other_event)
        app.action(re.compile(".*"))(handler.on_action)
        return app

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint(f"slack_webhook_{id(self)}", __name__)
        app = self.build_app(on_new_message)
        verifier = SignatureVerifier(self.settings.signing_secret) if self.settings else None

        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if app is not None else "off"})

        async def webhook(request: Request) -> HTTPResponse:
            if app is None or verifier is None:
                return response.json({"error": "the Slack channel is off: set SLACK_BOT_TOKEN and "
                                               "SLACK_SIGNING_SECRET"}, status=503)
            rejected = _precheck(request, verifier)
            if rejected is not None:
                return rejected
            try:
                bolt_request = to_bolt_request(request)
            except MalformedSlackRequest as error:
                logger.warning("slack: rejected a malformed request: %s", error)
                return response.json({"error": "malformed request body"}, status=400)
            return to_sanic_response(await app.async_dispatch(bolt_request))

        slack_webhook.add_route(health, "/", methods=["GET"])
        slack_webhook.add_route(webhook, "/webhook", methods=["POST"])
        return slack_webhook


def _precheck(request: Request, verifier: SignatureVerifier) -> HTTPResponse | None:
    """Size, encoding and signature, checked before anything parses the body.

    Bolt verifies the signature again; checking first means a forged request is never parsed, and is
    logged without its body (bolt's own log line would print it).
    """
    body: bytes = request.body or b""
    if len(body) > MAX_BODY_BYTES:
        logger.warning("slack: rejected a %d-byte request (limit %d)", len(body), MAX_BODY_BYTES)
        return response.json({"error": "request too large"}, status=413)
    timestamp = (request.headers.get("x-slack-request-timestamp") or "").strip()
    signature = request.headers.get("x-slack-signature") or ""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        logger.warning("slack: rejected a request body that is not UTF-8")
        return response.json({"error": "malformed request body"}, status=400)
    if not timestamp.isdigit() or not verifier.is_valid(text, timestamp, signature):
        logger.warning("slack: rejected a request with a missing, forged or stale (> 5 min) signature")
        return response.json({"error": "invalid request"}, status=401)
    return None


class _Handler:
    """Bolt listeners of one SlackInput; each acks at once and leaves Rasa to a background task."""

    def __init__(self, channel: SlackInput, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        self.channel = channel
        self.on_new_message = on_new_message

    async def on_event(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any], event: dict[str, Any],
                       context: dict[str, Any], request: AsyncBoltRequest) -> None:
        await ack()
        event_id = str(body.get("event_id") or "")
        if event_id and not self.channel.seen.first_time(event_id):
            retry = request.headers.get("x-slack-retry-num", ["-"])[0]
            logger.info("slack: event %s already handled (retry %s); dropped", event_id, retry)
            return
        inbound = inbound_from_event(event, bot_user_id=context.get("bot_user_id"),
                                     team=str(body.get("team_id") or "") or None, event_id=event_id)
        if inbound is None:
            logger.debug("slack: ignored %s event (subtype %s)", event.get("type"), event.get("subtype"))
            return
        self.dispatch(inbound)

    async def on_other_event(self, ack: Callable[[], Awaitable[None]], event: dict[str, Any]) -> None:
        await ack()
        logger.info("slack: ignored %s event (this assistant answers only DMs and mentions)", event.get("type"))

    async def on_action(self, ack: Callable[[], Awaitable[None]], body: dict[str, Any],
                        action: dict[str, Any]) -> None:
        await ack()
        action_id = str(action.get("action_id") or "")
        for prefix, hook in sorted(self.channel.action_hooks.items(), key=lambda item: -len(item[0])):
            if action_id.startswith(prefix):  # the longest matching prefix wins
                self.spawn(hook(body, action), f"action {action_id}")
                return
        logger.info("slack: ignored click on action_id %r (no hook registered)", action_id)

    async def quick_reply(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        inbound = inbound_from_click(body, action)
        if inbound is None:
            logger.warning("slack: ignored a quick-reply click without user, channel or value")
            return
        if not self.channel.seen.first_time(inbound.message_id):
            logger.info("slack: quick reply already answered; click dropped")
            return
        await self._retire_buttons(body, inbound.channel)
        await self.handle(inbound)

    async def _retire_buttons(self, body: dict[str, Any], channel: str) -> None:
        """Removes the clicked actions block so the question is answered only once."""
        message = body.get("message") if isinstance(body.get("message"), dict) else None
        client = self.channel.client
        if message is None or client is None or not isinstance(message.get("blocks"), list):
            return
        blocks = [b for b in message["blocks"] if isinstance(b, dict) and b.get("type") != "actions"]
        try:
            await client.chat_update(channel=channel, ts=str(message.get("ts")), text=str(message.get("text", "")),
                                     blocks=blocks)
        except SlackApiError as error:  # cosmetic: the click is still handled
            logger.warning("slack: could not remove the answered buttons: %s", describe(error))
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("slack: could not remove the answered buttons: %s", type(error).__name__)

    def dispatch(self, inbound: Inbound) -> None:
        self.spawn(self.handle(inbound), f"message {inbound.message_id}")

    async def handle(self, inbound: Inbound) -> None:
        assert self.channel.client is not None
        output = SlackOutput(self.channel.client, channel=inbound.channel, thread_ts=inbound.thread_ts)
        await self.on_new_message(UserMessage(text=inbound.text, output_channel=output, sender_id=inbound.user,
                                              input_channel=SlackInput.name(), message_id=inbound.message_id,
                                              metadata=inbound.metadata()))

    def spawn(self, work: Awaitable[None], what: str) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self.channel.tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self.channel.tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                logger.error("slack: handling %s failed", what, exc_info=finished.exception())

        task.add_done_callback(done)
