"""Slack payloads → the user messages Rasa sees: which events count, their plain text, where to reply.

Pure functions over Slack's JSON (Events API ``event_callback`` and interactivity ``block_actions``),
plus the bounded cache that makes Slack's retries (``X-Slack-Retry-Num``) harmless.
"""

from __future__ import annotations

import html
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

QUICK_REPLY_PREFIX = "qr_"
"""action_id prefix of the buttons the output channel renders for Rasa buttons (value = Rasa payload)."""

_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


@dataclass(frozen=True, kw_only=True)
class Inbound:
    """One user message for Rasa: who (Slack user id), what, and where the replies go."""

    user: str
    text: str
    channel: str
    thread_ts: str | None
    team: str | None
    message_id: str

    def metadata(self) -> dict[str, Any]:
        return {"input_channel": "slack",
                "slack": {"channel": self.channel, "thread_ts": self.thread_ts, "team": self.team}}


def plain_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's markup as a person typed it: links and mailtos unwrapped, our own mention dropped, entities unescaped."""

    def entity(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if bot_user_id and target[1:] == bot_user_id else (label or target)
        if label:
            return label
        if target.startswith("mailto:"):
            return target.removeprefix("mailto:")
        if target.startswith(("#", "!")):
            return ""
        return target

    return " ".join(html.unescape(_ENTITY.sub(entity, text)).split())


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _obj(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def inbound_from_event(event: Mapping[str, Any], *, bot_user_id: str | None, team: str | None,
                       event_id: str) -> Inbound | None:
    """The message of a DM (``message.im``) or an ``app_mention``; None for anything we must not answer.

    Ignored: message subtypes (edits, joins, bot_message...), anything from a bot (``bot_id``) or from
    our own bot user — answering those would make two bots talk to each other forever.
    """
    kind = event.get("type")
    user, channel, ts = _str(event.get("user")), _str(event.get("channel")), _str(event.get("ts"))
    if user is None or channel is None or ts is None:
        return None
    if event.get("subtype") or event.get("bot_id") or event.get("bot_profile") or user == bot_user_id:
        return None
    if kind == "message":
        if event.get("channel_type") != "im":
            return None
        thread_ts = _str(event.get("thread_ts"))
    elif kind == "app_mention":
        thread_ts = _str(event.get("thread_ts")) or ts  # answer in the thread of the mention
    else:
        return None
    text = plain_text(str(event.get("text") or ""), bot_user_id)
    if not text:
        return None
    return Inbound(user=user, text=text, channel=channel, thread_ts=thread_ts, team=team,
                   message_id=f"slack:{event_id or channel + ':' + ts}")


def inbound_from_click(body: Mapping[str, Any], action: Mapping[str, Any]) -> Inbound | None:
    """A quick-reply click (``block_actions``): the button's value (a Rasa payload) becomes the user's message."""
    user, channel, container, message, team = (_obj(body, key) for key in
                                               ("user", "channel", "container", "message", "team"))
    user_id = _str(user.get("id"))
    channel_id = _str(channel.get("id")) or _str(container.get("channel_id"))
    value = _str(action.get("value"))
    if user_id is None or channel_id is None or value is None:
        return None
    message_ts = _str(container.get("message_ts")) or _str(message.get("ts")) or ""
    return Inbound(user=user_id, text=value, channel=channel_id, thread_ts=_str(message.get("thread_ts")),
                   team=_str(team.get("id")), message_id=f"slack:{channel_id}:{message_ts}:{user_id}")


class RecentIds:
    """A bounded, time-limited set of ids already handled (per process: see docs/slack.md)."""

    def __init__(self, *, max_size: int = 10_000, ttl_seconds: float = 3600.0) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._max_size = max_size
        self._ttl = ttl_seconds

    def first_time(self, key: str) -> bool:
        """Records `key`; False when it was already recorded (a retry or a duplicate)."""
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - self._ttl:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > self._max_size:
            self._seen.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._seen)
