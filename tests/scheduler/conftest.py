from __future__ import annotations

import itertools
from datetime import datetime

from nurture_engine.domain import Identity, Interaction
from nurture_engine.lead_engine import EventRecord

_keys = itertools.count()


def said(identity: Identity, intent: str, at: datetime) -> EventRecord:
    """A user message with this intent, as the behaviour consumer would ingest it."""
    return EventRecord(key=f"k{next(_keys)}", identity=identity, interaction=Interaction(
        kind="message", intent=intent, channel=identity.channel, sender_id=identity.sender_id, at=at))
