"""Rasa's broker events as interactions to score: user and bot messages, with the sender's identity.

An event is read in two steps: its fields (`EventFields`: what scoring needs, each of one type), then its
record. The fields of a decoded event come from `fields_of`; on SQLite the broker read asks the database for
the same fields (broker_read.py), so the event loop neither decodes the JSON nor walks the dictionaries.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

import ujson

from .conversation import channel_of
from .domain import Channel, Identity, Interaction
from .lead_engine import EventRecord
from .privacy_requests import OPT_OUT_UNSURE, opt_out_is_clear

log = logging.getLogger(__name__)

SCORED_EVENTS = ("user", "bot")
UTC = timezone.utc


class EventFields(NamedTuple):
    """The fields of a broker event that scoring reads. A field of another JSON type than the one named is
    None: a malformed event is skipped or read without it, it never stops the consumer."""

    kind: str | None  # "user", "bot", "slot", ...
    sender_id: str | None
    timestamp: float | int | str | None  # seconds since the epoch; a numeric string is read too
    text: str | None  # the message
    input_channel: str | None
    intent: str | None
    entities: list[Any] | str | None  # the entities array (a list, or its JSON text as the database gives it)
    confidence: float | None = None  # the intent's


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def fields_of(event: Mapping[str, Any]) -> EventFields:
    """The fields of one decoded event (broker_read.SQLITE_FIELDS reads the same ones in SQL)."""
    parse = event.get("parse_data")
    intent = entities = confidence = None
    if isinstance(parse, dict):
        found = parse.get("intent")
        if isinstance(found, dict):
            intent = _text(found.get("name"))
            sure = found.get("confidence")
            confidence = float(sure) if isinstance(sure, (int, float)) and not isinstance(sure, bool) else None
        listed = parse.get("entities")
        entities = listed if isinstance(listed, list) else None
    timestamp = event.get("timestamp")
    if isinstance(timestamp, (dict, list)):
        timestamp = "object"  # as broker_read.SQLITE_FIELDS gives it: not a number (the event is skipped)
    return EventFields(kind=_text(event.get("event")), sender_id=_text(event.get("sender_id")), timestamp=timestamp,
                       text=_text(event.get("text")),
                       input_channel=_text(event.get("input_channel")), intent=intent, entities=entities,
                       confidence=confidence)


def event_key(event: Mapping[str, Any]) -> str:
    """A content key: the same event delivered twice (any broker) has the same key."""
    return hashlib.sha1(json.dumps(event, sort_keys=True, default=str).encode(), usedforsecurity=False).hexdigest()


def _entity_names(entities: list[Any] | str | None) -> list[str]:
    if not entities or entities == "[]":
        return []
    if isinstance(entities, str):
        try:
            entities = ujson.loads(entities)
        except ValueError:
            return []
        if not isinstance(entities, list):
            return []
    return sorted({str(e["entity"]) for e in entities if isinstance(e, dict) and e.get("entity")})


def _when(timestamp: float | int | str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(timestamp or 0), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


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
        fields = fields_of(event)
        if fields.kind not in SCORED_EVENTS:
            return None
        return self.record_fields(fields, key or event_key(event))

    def record_fields(self, f: EventFields, key: str) -> EventRecord | None:
        """The record of an event's fields: None unless a user or bot message of a named sender."""
        kind, sender = f.kind, f.sender_id
        if kind not in SCORED_EVENTS or not sender or not isinstance(sender, str):
            return None
        at = _when(f.timestamp)
        if at is None:
            log.warning("broker event %s has a timestamp that is not a number of seconds; skipped", key)
            return None
        if kind == "user":
            channel = self.channels[sender] = channel_of(f.input_channel)
            intent = f.intent
            if intent == "opt_out" and not opt_out_is_clear(f.text or "", f.confidence):
                intent = OPT_OUT_UNSURE  # the assistant asked before acting on it (actions/consent.py)
            interaction = Interaction(kind="message", intent=intent, channel=channel, sender_id=sender, at=at,
                                      data={"length": len(f.text or ""), "entities": _entity_names(f.entities)})
            return EventRecord(key=key, identity=self._identity(channel, sender), interaction=interaction)
        channel = self.channels.get(sender, Channel.REST)
        interaction = Interaction(kind="bot_message", channel=channel, sender_id=sender, at=at,
                                  data={"length": len(f.text or "")})
        return EventRecord(key=key, identity=self._identity(channel, sender), interaction=interaction,
                           channel_known=sender in self.channels)
