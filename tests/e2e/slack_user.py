"""A Slack user for whole-stack tests: signed Events API and interactivity requests to the real Rasa server,
replies observed on the fake Slack Web API."""

from __future__ import annotations

import asyncio
import html
import json
import time
import uuid
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from nurture_engine.channels.slack_output import button_blocks
from nurture_engine.fakes.slack import (
    FakeSlackApi,
    block_actions,
    dm_event,
    event_callback,
    form_payload,
    sign,
)
from nurture_engine.testing import test_settings

from .stack import RASA_TOKEN, Stack, admin_get

TOKEN = "xoxb-e2e-" + uuid.uuid4().hex[:12]
SECRET = "e2e-signing-" + uuid.uuid4().hex
PRICING = test_settings().business.pricing
SALES_CHANNEL = "C0SALES" + uuid.uuid4().hex[:6].upper()


class SlackUser:
    """One person writing to the bot in a Slack DM, as Slack would deliver it."""

    def __init__(self, slack: tuple[Stack, FakeSlackApi], http: aiohttp.ClientSession) -> None:
        self.stack, self.fake = slack
        self.http = http
        self.user = "U" + uuid.uuid4().hex[:10].upper()
        self.channel = "D" + uuid.uuid4().hex[:10].upper()

    @property
    def webhook(self) -> str:
        return f"{self.stack.rasa_url}/webhooks/slack/webhook"

    async def post(self, body: str, *, content_type: str = "application/json", secret: str = SECRET,
                   timestamp: int | None = None, extra: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {**sign(body, secret, timestamp=timestamp), "Content-Type": content_type, **(extra or {})}
        async with self.http.post(self.webhook, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    def event(self, text: str, event_id: str | None = None) -> str:
        return json.dumps(event_callback(dm_event(user=self.user, text=text, channel=self.channel),
                                         event_id=event_id or "Ev" + uuid.uuid4().hex[:12].upper()))

    def replies(self) -> list[str]:
        return [html.unescape(m.get("text", "")) for m in self.fake.messages(self.channel)]

    async def new_replies(self, before: int, *, quiet: float = 2.0, timeout: float = 60.0) -> list[str]:
        """The replies posted after the first `before` ones, once the bot has been quiet for `quiet` s."""
        deadline = time.monotonic() + timeout
        count, changed = before, time.monotonic()
        while True:
            await asyncio.sleep(0.2)
            now = len(self.replies())
            if now != count:
                count, changed = now, time.monotonic()
            if count > before and time.monotonic() - changed >= quiet:
                return self.replies()[before:]
            assert time.monotonic() < deadline, f"no reply within {timeout}s; log:\n{self.stack.logs()}"

    async def say(self, text: str) -> list[str]:
        before = len(self.replies())
        status, body = await self.post(self.event(text))
        assert status == 200, body
        return await self.new_replies(before)

    async def click(self, message: dict[str, Any], value: str) -> list[str]:
        before = len(self.replies())
        payload = block_actions(user=self.user, channel=self.channel, message=message, action_id="qr_0", value=value)
        status, body = await self.post(form_payload(payload), content_type="application/x-www-form-urlencoded")
        assert status == 200, body
        return await self.new_replies(before)

    async def bot_message_with_buttons(self, text: str, buttons: list[dict[str, str]]) -> dict[str, Any]:
        """A message as our output channel posts it, with its real `ts`, for a click to refer to."""
        client = AsyncWebClient(token=TOKEN, base_url=f"{self.fake.url}/api/")
        sent = await client.chat_postMessage(channel=self.channel, text=text, blocks=button_blocks(text, buttons))
        return dict(sent["message"])

    async def lead(self) -> dict[str, Any]:
        return await admin_get(self.stack, self.http, "/api/leads/lookup", channel="slack", sender_id=self.user)

    async def user_turns(self) -> list[dict[str, Any]]:
        url = f"{self.stack.rasa_url}/conversations/{self.user}/tracker"
        async with self.http.get(url, params={"token": RASA_TOKEN}) as resp:
            assert resp.status == 200, await resp.text()
            tracker = await resp.json()
        return [e for e in tracker["events"] if e["event"] == "user"]


