"""Follow-ups on Slack through slack_sdk's AsyncWebClient (a DM: the user id as the channel)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from ..domain import Channel
from .adapters import Outgoing, SendFailed

_PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "account_inactive",
              "user_not_found", "cannot_dm_bot", "msg_too_long", "no_text", "token_revoked"}


def slack_escape(text: str) -> str:
    """Slack's control characters, so message text cannot mention or link anything by itself."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackAdapter:
    channel = Channel.SLACK

    def __init__(self, token: str, base_url: str | None = None) -> None:
        self._client = AsyncWebClient(token=token, base_url=base_url or "https://slack.com/api/")

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, message: Outgoing) -> None:
        try:
            await self._client.chat_postMessage(channel=message.recipient, text=slack_escape(message.text),
                                                client_msg_id=message.key)
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error", "") or "")
            if status == 429:
                retry = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
                raise SendFailed("slack rate limit", retryable=True,
                                 retry_after=float(retry) if retry else None) from exc
            if status >= 500 or error not in _PERMANENT:
                raise SendFailed(f"slack error {status} {error}".strip(), retryable=status >= 500) from exc
            raise SendFailed(f"slack refused the message: {error}", retryable=False) from exc
        except SlackClientError as exc:
            raise SendFailed(f"slack unavailable: {exc}", retryable=True) from exc
