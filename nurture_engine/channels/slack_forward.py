"""Sales-alert buttons arrive where Slack sends all interactivity of the app: the Rasa Slack webhook.
This hook passes them on to `nurture serve` (`/slack/actions`), re-signed with the same signing secret,
so the service checks them exactly as it checks a request straight from Slack."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

from .slack import ActionHook

logger = logging.getLogger(__name__)
SALES_PREFIX = "sales_"


def signed_headers(body: bytes, signing_secret: str, timestamp: int) -> dict[str, str]:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/x-www-form-urlencoded"}


def sales_forwarder(service_url: str, signing_secret: str) -> ActionHook:
    url = service_url.rstrip("/") + "/slack/actions"

    async def forward(body: dict[str, Any], action: dict[str, Any]) -> None:
        data = urlencode({"payload": json.dumps(body, separators=(",", ":"))}).encode()
        headers = signed_headers(data, signing_secret, int(time.time()))
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http, \
                http.post(url, data=data, headers=headers) as resp:
            if resp.status >= 300:
                logger.warning("slack: the nurture service refused a sales-alert click (%s)", resp.status)

    return forward
