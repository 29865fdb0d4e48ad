"""A conversation as the engine sees it: one sender on one of our channels."""

from __future__ import annotations

from dataclasses import dataclass

from .domain import Channel, Identity

_RASA_CHANNELS = {"socketio": Channel.WEB, "web": Channel.WEB, "rest": Channel.REST,
                  "telegram": Channel.TELEGRAM, "slack": Channel.SLACK}


def channel_of(input_channel: str | None) -> Channel:
    """Our channel for a Rasa input channel name (unknown or missing ones count as rest)."""
    return _RASA_CHANNELS.get((input_channel or "").lower(), Channel.REST)


@dataclass(frozen=True, kw_only=True)
class Conversation:
    channel: Channel
    sender_id: str

    @property
    def identity(self) -> Identity:
        return Identity(channel=self.channel, sender_id=self.sender_id)
