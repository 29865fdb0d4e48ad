"""Rasa's REST channel with its input checked first: the built-in one answers 500 to a JSON body that is
not an object (`[]`, `null`) and hands any JSON type to the NLU pipeline as the message text. This one
answers 400 (shape) or 413 (size) before Rasa sees the request; valid requests behave exactly as before.
Registered in bot/credentials.yml under its class path; its name stays `rest` (/webhooks/rest/webhook)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from .guard import guarded, sender_problem, text_problem

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


def problem(body: Any) -> tuple[int, str] | None:
    """(status, reason) when a REST webhook body is unacceptable, else None."""
    if not isinstance(body, dict):
        return 400, 'the body must be a JSON object: {"sender": ..., "message": ...}'
    sender, message = body.get("sender"), body.get("message")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if sender is not None and (why := sender_problem(sender)) is not None:
        return (413 if "longer" in why else 400), why
    if not isinstance(message, str):
        return 400, "message must be a string"
    if (why := text_problem(message)) is not None:
        return (413 if "longer" in why else 400), why
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return 400, "metadata must be a JSON object"
    return None


class NurtureRestInput(RestInput):  # type: ignore[misc]  # rasa ships no type information
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        hook: Blueprint = super().blueprint(guarded(on_new_message, "rest"))

        @hook.middleware("request")  # type: ignore[untyped-decorator]
        async def check(request: Request) -> HTTPResponse | None:
            if request.method != "POST":
                return None
            if len(request.body or b"") > MAX_BODY:
                return json({"error": f"the body is too large ({MAX_BODY} bytes at most)"}, status=413)
            try:
                body = request.json
            except Exception as exc:  # sanic's own parse error type varies by version; any parse failure is a 400
                log.info("REST webhook: body is not JSON (%s)", type(exc).__name__)
                return json({"error": "the body must be JSON"}, status=400)
            found = problem(body)
            if found is not None:
                log.info("REST webhook request refused (%s): %s", *found)
                return json({"error": found[1]}, status=found[0])
            return None

        return hook
