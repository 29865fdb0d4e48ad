"""Rasa's broker events as interactions to score: user and bot messages, with the sender's identity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from .conversation import channel_of
from .domain import Channel, Identity, Interaction
from .lead_engine import EventRecord

SCORED_EVENTS = ("user", "bot")


def event_key(event: Mapping[str, Any]) -> str:
    """A content key: the same event delivered twice (any broker) has the same key."""
    return hashlib.sha1(json.dumps(event, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


class EventMapper:
    """Maps broker events to interactions. Bot events carry no channel: the channel of the sender's last
    user message is used. One `Identity` per sender and channel is kept (a batch groups by identity)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.channels: dict[str, Channel] = {}
        self._identities: dict[tuple[Channel, str], Identity] = {}
        self._limit = limit

    def _identity(self, channel: Channel, sender: str) -> Identity:
        identity = self._identities.get((channel, sender))
        if identity is None:
            if len(self._identities) >= self._limit:
                self._identities.clear()
            identity = self._identities[(channel, sender)] = Identity(channel=channel, sender_id=sender)
        return identity

    def record(self, event: Mapping[str, Any], key: str | None = None) -> EventRecord | None:
        """An interaction for a user or bot event; None for the rest (slots, actions, ...). Without a
        `key` from the transport, the event's content key is used."""
        kind = event.get("event")
        sender = event.get("sender_id")
        if kind not in SCORED_EVENTS or not isinstance(sender, str) or not sender:
            return None
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
        text = event.get("text") or ""
        if kind == "user":
            channel = self.channels[sender] = channel_of(event.get("input_channel"))
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name")
            found = parse.get("entities")
            entities = sorted({str(e["entity"]) for e in found if isinstance(e, dict) and e.get("entity")}
                              ) if found else []
            interaction = Interaction(kind="message", intent=intent, channel=channel, sender_id=sender, at=at,
                                      data={"length": len(text), "entities": entities})
            return EventRecord(key=key or event_key(event), identity=self._identity(channel, sender),
                               interaction=interaction)
        channel = self.channels.get(sender, Channel.REST)
        interaction = Interaction(kind="bot_message", channel=channel, sender_id=sender, at=at,
                                  data={"length": len(text)})
        return EventRecord(key=key or event_key(event), identity=self._identity(channel, sender),
                           interaction=interaction, channel_known=sender in self.channels)
