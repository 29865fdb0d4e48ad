"""Signed deep-link payloads that attach a Telegram chat to a web visitor's lead.

The web widget asks `nurture serve` for a payload naming its session id; the visitor opens
``https://t.me/<bot>?start=<payload>``; Telegram delivers ``/start <payload>`` to the bot, and the action
server verifies the payload before merging the Telegram identity into the visitor's lead.

A payload is the session id followed by a 16-character MAC (HMAC-SHA256, truncated to 96 bits,
base64url): at most 64 characters of ``[A-Za-z0-9_-]``, the alphabet Telegram allows for ``start``
parameters. The HMAC key is derived from ``NURTURE_ACTION_TOKEN``, which both the action server and
`nurture serve` hold, with a label that keeps it apart from any other use of that token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from .errors import NurtureError

MAX_PAYLOAD = 64
"""Telegram's limit for a deep link's ``start`` parameter."""
MAC_CHARS = 16
MAX_SENDER = MAX_PAYLOAD - MAC_CHARS
_LABEL = b"nurture/telegram-deep-link/v1"
_SENDER = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_SENDER}}}")
_PAYLOAD = re.compile(rf"[A-Za-z0-9_-]{{{MAC_CHARS + 1},{MAX_PAYLOAD}}}")


class LinkError(NurtureError):
    """This session id cannot be put in a deep link."""


def _key(secret: str) -> bytes:
    if not secret:
        raise LinkError("deep links need NURTURE_ACTION_TOKEN")
    return hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()


def _mac(key: bytes, sender_id: str) -> str:
    digest = hmac.new(key, sender_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode().rstrip("=")


def link_payload(secret: str, web_sender_id: str) -> str:
    """The ``start`` parameter that links a Telegram chat to this web session.

    Raises `LinkError` for a session id that is empty, too long (over 48 characters) or uses characters
    outside ``[A-Za-z0-9_-]`` (Rasa's socketio and REST session ids are uuid hex strings).
    """
    if not _SENDER.fullmatch(web_sender_id):
        raise LinkError(f"a session id for a deep link is 1-{MAX_SENDER} characters of [A-Za-z0-9_-]")
    return web_sender_id + _mac(_key(secret), web_sender_id)


def verify_link_payload(secret: str, payload: str) -> str | None:
    """The web session id a genuine payload names, else None (tampered, truncated or foreign)."""
    if not secret or not isinstance(payload, str) or not _PAYLOAD.fullmatch(payload):
        return None
    sender_id, mac = payload[:-MAC_CHARS], payload[-MAC_CHARS:]
    if not hmac.compare_digest(mac.encode(), _mac(_key(secret), sender_id).encode()):
        return None
    return sender_id


METADATA_PAYLOAD_KEY = "link_payload"
"""Message metadata key under which a channel connector forwards a deep link's payload."""
METADATA_CHANNEL_KEY = "input_channel"
"""Message metadata key naming the connector (Rasa gives a session's first action no input channel)."""
