"""Rasa's socketio channel (the website widget) behind the input guard (guard.py): a session id Rasa's tracker
store cannot take, or an oversized or non-text message, is dropped instead of reaching Rasa. Malformed
Engine.IO polling requests (a POST without a session id, invalid UTF-8, a payload python-engineio cannot
split) get 400 instead of python-engineio's 500. Registered in bot/credentials.yml under its class path; its
name stays `socketio` and its settings are Rasa's."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.response import HTTPResponse, json

from .guard import guarded

log = logging.getLogger(__name__)


def tolerant(handle_request: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Engine.IO's HTTP handler, answering 400 where it would fail on malformed polling input."""

    async def handle(*args: Any, **kwargs: Any) -> Any:
        try:
            return await handle_request(*args, **kwargs)
        except (ValueError, TypeError, RecursionError) as exc:  # its own parse errors on hostile input
            log.info("socketio: malformed polling request refused (%s)", type(exc).__name__)
            response: HTTPResponse = json({"error": "malformed Engine.IO request"}, status=400)
            return response

    return handle


class NurtureSocketIOInput(SocketIOInput):  # type: ignore[misc]  # rasa ships no type information
    def blueprint(self, on_new_message: Callable[[Any], Awaitable[Any]]) -> Blueprint:
        hook: Blueprint = super().blueprint(guarded(on_new_message, "socketio"))
        engine = hook.ctx.sio.eio  # attached to the app (with this handler) when Rasa registers the blueprint
        engine.handle_request = tolerant(engine.handle_request)
        return hook
