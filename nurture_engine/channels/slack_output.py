"""Rasa output channel for Slack: chat.postMessage through slack_sdk's AsyncWebClient.

Texts are escaped per Slack's rules (``&``, ``<``, ``>``), so text a user typed (a name echoed back)
can never become a mention or a link. Buttons become Block Kit: a section with the text and an actions
block whose buttons carry ``action_id="qr_<i>"`` and the Rasa payload as ``value``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import aiohttp
from rasa.core.channels.channel import OutputChannel
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from .slack_events import QUICK_REPLY_PREFIX

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://slack.com/api/"
MAX_BUTTON_VALUE = 2000
MAX_BUTTON_TEXT = 75
MAX_SECTION_TEXT = 3000
MAX_BUTTONS = 25


def make_client(token: str, base_url: str = DEFAULT_API_BASE_URL, *, max_retries: int = 2,
                timeout: int = 10) -> AsyncWebClient:
    """An AsyncWebClient that retries connection errors, 429s (honouring Retry-After) and 500/503s."""
    return AsyncWebClient(token=token, base_url=base_url, timeout=timeout, retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=max_retries),
        AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
        AsyncServerErrorRetryHandler(max_retry_count=max_retries),
    ])


def describe(error: SlackApiError) -> str:
    """Slack's error code (``ratelimited``, ``channel_not_found``...) or the HTTP status when there is none."""
    data = error.response.data
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"])
    return f"HTTP {error.response.status_code}"


def escape(text: str) -> str:
    """Slack's escaping for message text: only ``&``, ``<`` and ``>`` are control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def button_blocks(text: str, buttons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Section block(s) with the escaped text, then one actions block of quick-reply buttons."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
                                    for chunk in _chunks(escape(text), MAX_SECTION_TEXT) if chunk.strip()]
    elements = []
    for i, button in enumerate(buttons):
        title, payload = str(button.get("title") or ""), str(button.get("payload") or "")
        if not title or not payload or len(payload) > MAX_BUTTON_VALUE:
            logger.warning("slack: skipping button %d: needs a title and a payload of at most %d chars",
                           i, MAX_BUTTON_VALUE)
            continue
        elements.append({"type": "button", "action_id": f"{QUICK_REPLY_PREFIX}{i}", "value": payload,
                         "text": {"type": "plain_text", "text": title[:MAX_BUTTON_TEXT], "emoji": True}})
    if elements:
        blocks.append({"type": "actions", "elements": elements[:MAX_BUTTONS]})
    return blocks


class SlackOutput(OutputChannel):  # type: ignore[misc]  # rasa ships no type information
    """Sends Rasa's responses to one Slack conversation (or, with no channel, to the recipient's DM).

    Delivery failures that survive the client's retries are logged, not raised: the user's turn is
    still recorded in the tracker. ``post`` raises them, for callers that want to retry themselves.
    """

    def __init__(self, client: AsyncWebClient, *, channel: str | None = None, thread_ts: str | None = None) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts

    @classmethod
    def name(cls) -> str:
        return "slack"

    async def _channel_for(self, recipient_id: str) -> str:
        if self.channel is None:
            opened = await self.client.conversations_open(users=recipient_id)
            self.channel = str(opened["channel"]["id"])
        return self.channel

    async def post(self, recipient_id: str, **fields: Any) -> dict[str, Any]:
        """chat.postMessage to this conversation; raises SlackApiError / aiohttp errors."""
        channel = await self._channel_for(recipient_id)
        if self.thread_ts:
            fields.setdefault("thread_ts", self.thread_ts)
        response = await self.client.chat_postMessage(channel=channel, **fields)
        return dict(response.data) if isinstance(response.data, dict) else {}

    async def _deliver(self, recipient_id: str, **fields: Any) -> None:
        try:
            await self.post(recipient_id, **fields)
        except SlackApiError as error:
            logger.error("slack: chat.postMessage failed after retries: %s", describe(error))
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error("slack: chat.postMessage failed after retries: %s", type(error).__name__)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, text=escape(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._deliver(recipient_id, text=escape(text), blocks=button_blocks(text, buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, text=escape(image),
                            blocks=[{"type": "image", "image_url": image, "alt_text": image[:2000]}])

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self._deliver(recipient_id, text=escape(str(attachment)))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A custom response is a chat.postMessage body (``blocks``, ``text``...) sent as is; channel is ours."""
        fields = {k: v for k, v in json_message.items() if k != "channel"}
        if "text" not in fields and "blocks" not in fields:
            logger.warning("slack: ignoring a custom response without text or blocks")
            return
        await self._deliver(recipient_id, **fields)
