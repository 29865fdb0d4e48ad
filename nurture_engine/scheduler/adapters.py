"""Channel adapters: how a follow-up reaches a person. One Protocol, one error type, a recording fake."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from ..domain import Channel
from ..errors import NurtureError


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    key: str
    """Idempotency key: the follow-up's id. A retried send carries the same key."""
    channel: Channel
    recipient: str
    text: str


class SendFailed(NurtureError):
    """The channel did not take the message."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class ChannelAdapter(Protocol):
    channel: Channel

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, message: Outgoing) -> None:
        """Delivers the message or raises `SendFailed`."""
        ...


class RecordingAdapter:
    """Keeps what it was asked to send (tests, benchmarks); `fail` makes the next sends fail."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.sent: list[Outgoing] = []
        self.failures: list[SendFailed] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, message: Outgoing) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    def duplicates(self) -> int:
        return sum(n - 1 for n in Counter(m.key for m in self.sent).values() if n > 1)


class HttpRecordingAdapter:
    """Posts each message to a recording HTTP endpoint (a test process outside the dispatcher), so a
    killed dispatcher cannot take its record of what it sent with it."""

    def __init__(self, channel: Channel, url: str) -> None:
        self.channel = channel
        self._url = url
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
            await asyncio.sleep(0)

    async def send(self, message: Outgoing) -> None:
        assert self._http is not None, "start() the adapter first"
        try:
            async with self._http.post(self._url, json={"key": message.key, "channel": message.channel.value,
                                                        "recipient": message.recipient, "text": message.text}) as r:
                if r.status == 429 or r.status >= 500:
                    retry = r.headers.get("Retry-After")
                    raise SendFailed(f"recorder answered {r.status}", retryable=True,
                                     retry_after=float(retry) if retry else None)
                if r.status >= 400:
                    raise SendFailed(f"recorder refused the message: {r.status}", retryable=False)
        except aiohttp.ClientError as exc:
            raise SendFailed(f"recorder unreachable: {exc}", retryable=True) from exc
