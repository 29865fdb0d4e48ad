"""Follow-ups for website visitors: into the web inbox, which the widget shows when they come back."""

from __future__ import annotations

from datetime import datetime

from ..clock import Clock
from ..domain import Channel
from ..inbox import InboxStore, InvalidInboxInput, new_message
from .adapters import Outgoing, SendFailed


class WebInboxAdapter:
    channel = Channel.WEB

    def __init__(self, inbox: InboxStore, clock: Clock) -> None:
        self._inbox = inbox
        self._clock = clock

    async def start(self) -> None:
        return None  # the inbox store's lifetime belongs to the composition root

    async def stop(self) -> None:
        return None

    async def send(self, message: Outgoing) -> None:
        now: datetime = self._clock.now()
        try:
            await self._inbox.post(new_message(message.recipient, message.text, now, message_id=message.key))
        except InvalidInboxInput as exc:
            raise SendFailed(f"not deliverable to the web inbox: {exc}", retryable=False) from exc
