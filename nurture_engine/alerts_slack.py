"""Where sales alerts go: a Block Kit message in ``SLACK_SALES_CHANNEL`` (chat.postMessage, then chat.update
after a click) and, optionally, a signed JSON copy to a CRM webhook. Both log failures and never raise them.

Users' words are escaped (``&``, ``<``, ``>``), so a lead's message can never mention ``@channel`` or fake a
link. The labels below are the sales team's UI (the assistant's replies stay in bot/domain).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from .alerts import AlertSink
from .alerts_model import Alert, AlertAction, AlertRules, AlertStatus, AlertTrigger, MessageRef, alert_json
from .clock import Clock

log = logging.getLogger(__name__)
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
FEEDBACK_BLOCK, FEEDBACK_INPUT = "sales_feedback", "sales_feedback_text"
HEADERS = {AlertTrigger.STAGE_SQL: "New sales-qualified lead", AlertTrigger.HUMAN_HANDOFF: "A lead asks for a human",
           AlertTrigger.PRIVACY_REQUEST: "Privacy request: a visitor asks about their data"}
PRIVACY_STEPS = ("*What to do* (answer within one month)\nRead the request below. A copy: `nurture leads export {id}` "
                 "or GET /api/leads/{id}/export. Erasure: `nurture leads erase {id}` or POST /api/leads/{id}/erase. "
                 "Follow-up messages to this lead stopped when erasure was asked for.")
BUTTONS = {AlertAction.CLAIM: "Claim", AlertAction.NOT_A_FIT: "Not a fit", AlertAction.SNOOZE: "Snooze {hours:g} h"}
OUTCOMES = {AlertStatus.CLAIMED: ":white_check_mark: Claimed by {by} {at}",
            AlertStatus.NOT_A_FIT: ":no_entry_sign: Not a fit, said {by} {at}",
            AlertStatus.SNOOZED: ":alarm_clock: Snoozed by {by} until {until}"}


@dataclass(frozen=True, kw_only=True)
class AlertDelivery:
    """Where alerts are delivered, from the environment (read once, by the composition root)."""

    slack_bot_token: str | None = None
    slack_api_base_url: str = DEFAULT_SLACK_API_BASE_URL
    slack_sales_channel: str | None = None
    slack_signing_secret: str | None = None
    crm_webhook_url: str | None = None
    crm_webhook_secret: str | None = None

    def __repr__(self) -> str:  # never show the secrets
        return (f"AlertDelivery(slack={'on' if self.slack_bot_token and self.slack_sales_channel else 'off'}, "
                f"channel={self.slack_sales_channel!r}, crm_webhook={'on' if self.crm_webhook_url else 'off'})")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AlertDelivery:
        def get(name: str) -> str | None:
            return env.get(name) or None  # empty means unset

        return cls(slack_bot_token=get("SLACK_BOT_TOKEN"), slack_sales_channel=get("SLACK_SALES_CHANNEL"),
                   slack_api_base_url=get("SLACK_API_BASE_URL") or DEFAULT_SLACK_API_BASE_URL,
                   slack_signing_secret=get("SLACK_SIGNING_SECRET"), crm_webhook_url=get("NURTURE_CRM_WEBHOOK_URL"),
                   crm_webhook_secret=get("NURTURE_CRM_WEBHOOK_SECRET"))


def build_sinks(delivery: AlertDelivery, *, clock: Clock, rules: AlertRules) -> list[AlertSink]:
    """The configured sinks; says once in the log when Slack is off (alerts are then only recorded)."""
    sinks: list[AlertSink] = []
    if delivery.slack_bot_token and delivery.slack_sales_channel:
        client = AsyncWebClient(token=delivery.slack_bot_token, base_url=delivery.slack_api_base_url, timeout=10,
                                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2),
                                                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                                                AsyncServerErrorRetryHandler(max_retry_count=2)])
        sinks.append(SlackAlertSink(client, delivery.slack_sales_channel, rules=rules))
    else:
        log.warning("alerts: SLACK_BOT_TOKEN or SLACK_SALES_CHANNEL is not set: sales alerts are recorded and "
                    "logged, not sent to Slack")
    if delivery.crm_webhook_url and delivery.crm_webhook_secret:
        sinks.append(CrmWebhookSink(delivery.crm_webhook_url, delivery.crm_webhook_secret, clock=clock))
    elif delivery.crm_webhook_url:
        log.error("alerts: NURTURE_CRM_WEBHOOK_URL is set without NURTURE_CRM_WEBHOOK_SECRET: CRM copies are off")
    return sinks


def escape(text: str) -> str:
    """Slack's escaping for message text: only ``&``, ``<`` and ``>`` are control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_date(at: datetime) -> str:
    """A date Slack shows in the reader's time zone (UTC text as the fallback)."""
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M} UTC>"


def _who(by: str | None) -> str:
    if by and by.startswith("slack:"):
        return f"<@{escape(by.removeprefix('slack:'))}>"
    return escape(by or "someone")


def alert_text(alert: Alert) -> str:
    """The plain fallback (notifications, screen readers)."""
    ctx = alert.context
    who = ", ".join(x for x in (ctx.name, ctx.role, ctx.company) if x) or f"lead {ctx.lead_id}"
    return escape(f"{HEADERS[ctx.trigger]}: {who} (stage {ctx.stage.value}, score {ctx.score:.0f})")


def alert_blocks(alert: Alert, *, snooze_hours: float) -> list[dict[str, Any]]:
    ctx = alert.context
    facts = {"Name": ctx.name, "Company": ctx.company, "Role": ctx.role, "Stage": ctx.stage.value,
             "Score": f"{ctx.score:.0f}", "Channel": ctx.channel.value}
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": HEADERS[ctx.trigger][:150], "emoji": True}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{escape(value or '-')[:1900]}"}
                                       for label, value in facts.items()]},
    ]
    if ctx.trigger is AlertTrigger.PRIVACY_REQUEST:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": PRIVACY_STEPS.format(id=ctx.lead_id)}})
    elif ctx.reasons:
        lines = "\n".join(f"• {escape(r.reason)} ({r.points:+.0f})" for r in ctx.reasons)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Why*\n{lines}"[:3000]}})
    if ctx.messages:
        lines = "\n".join(f"> *{m.sender}* {slack_date(m.at)}: {escape(' '.join(m.text.split()))}"
                          for m in ctx.messages)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Last messages*\n{lines}"[:3000]}})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": escape(
        f"lead {ctx.lead_id} · {ctx.trigger.value} · alert {alert.id}")}]})
    if alert.status is not AlertStatus.OPEN:
        outcome = OUTCOMES[alert.status].format(by=_who(alert.status_by), at=slack_date(alert.status_at or
                                                                                             alert.created_at),
                                                until=slack_date(alert.snoozed_until or alert.created_at))
        if alert.status is AlertStatus.NOT_A_FIT and alert.feedback:
            outcome += f": {escape(alert.feedback)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": outcome[:3000]}})
    if alert.status in (AlertStatus.OPEN, AlertStatus.SNOOZED):
        if AlertAction.NOT_A_FIT in ctx.trigger.actions:
            blocks.append({"type": "input", "block_id": FEEDBACK_BLOCK, "optional": True,
                           "label": {"type": "plain_text", "text": "If not a fit: why? (optional)"},
                           "element": {"type": "plain_text_input", "action_id": FEEDBACK_INPUT,
                                       "max_length": 500}})
        buttons = []
        for action, label in BUTTONS.items():
            if action not in ctx.trigger.actions:
                continue
            button: dict[str, Any] = {"type": "button", "action_id": action.value, "value": alert.id,
                                      "text": {"type": "plain_text", "text": label.format(hours=snooze_hours)}}
            if action is AlertAction.CLAIM:
                button["style"] = "primary"
            elif action is AlertAction.NOT_A_FIT:
                button["style"] = "danger"
            buttons.append(button)
        blocks.append({"type": "actions", "block_id": "sales_actions", "elements": buttons})
    return blocks


def _describe(error: SlackApiError) -> str:
    data = error.response.data
    return str(data["error"]) if isinstance(data, dict) and data.get("error") else f"HTTP {error.response.status_code}"


class SlackAlertSink:
    def __init__(self, client: AsyncWebClient, channel: str, *, rules: AlertRules) -> None:
        self._client = client
        self._channel = channel
        self._rules = rules

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, alert: Alert) -> MessageRef | None:
        try:
            response = await self._client.chat_postMessage(
                channel=self._channel, text=alert_text(alert), unfurl_links=False, unfurl_media=False,
                blocks=alert_blocks(alert, snooze_hours=self._rules.snooze_hours))
        except SlackApiError as error:
            log.error("alerts: chat.postMessage of alert %s failed: %s", alert.id, _describe(error))
            return None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            log.error("alerts: chat.postMessage of alert %s failed: %s", alert.id, type(error).__name__)
            return None
        return MessageRef(channel=str(response["channel"]), ts=str(response["ts"]))

    async def update(self, alert: Alert, message: MessageRef | None) -> None:
        if message is None:
            log.warning("alerts: alert %s has no Slack message to update", alert.id)
            return
        try:
            await self._client.chat_update(channel=message.channel, ts=message.ts, text=alert_text(alert),
                                           blocks=alert_blocks(alert, snooze_hours=self._rules.snooze_hours))
        except SlackApiError as error:
            log.error("alerts: chat.update of alert %s failed: %s", alert.id, _describe(error))
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            log.error("alerts: chat.update of alert %s failed: %s", alert.id, type(error).__name__)


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``<timestamp>.<body>``): the X-Nurture-Signature header."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class CrmWebhookSink:
    """POSTs ``{"event": "alert.created" | "alert.updated", "alert": {...}}``, signed, to a CRM webhook."""

    def __init__(self, url: str, secret: str, *, clock: Clock, timeout: float = 5.0) -> None:
        self._url = url
        self._secret = secret
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._host = urlsplit(url).hostname or "?"  # logs name the host only: the URL may hold a token

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def publish(self, alert: Alert) -> MessageRef | None:
        await self._post("alert.created", alert)
        return None

    async def update(self, alert: Alert, message: MessageRef | None) -> None:
        await self._post("alert.updated", alert)

    async def _post(self, event: str, alert: Alert) -> None:
        await self.start()
        assert self._session is not None
        body = json.dumps({"event": event, "alert": alert_json(alert)}, separators=(",", ":")).encode()
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {"Content-Type": "application/json", "X-Nurture-Timestamp": timestamp,
                   "X-Nurture-Signature": webhook_signature(self._secret, timestamp, body)}
        try:
            async with self._session.post(self._url, data=body, headers=headers) as response:
                if response.status >= 300:
                    log.error("alerts: CRM webhook on %s answered HTTP %d to %s of alert %s", self._host,
                              response.status, event, alert.id)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            log.error("alerts: CRM webhook on %s failed for %s of alert %s: %s", self._host, event, alert.id,
                      type(error).__name__)
