"""Public web-inbox endpoints used by the chat widget; the widget's session id is the capability.

GET  /api/inbox?session_id=...            -> {"messages": [{id, text, buttons, created_at}]} (unread, oldest first)
POST /api/inbox/read {session_id, ids}    -> {"marked": n}

The widget may be embedded on another origin than this service, so both answer CORS with `*` (no cookies or
credentials are involved).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from ..inbox import InboxMessage, InboxStore, InvalidInboxInput, check_message_id, check_session_id

log = logging.getLogger(__name__)
INBOX_PATHS = frozenset({"/api/inbox", "/api/inbox/read"})
MAX_READ_IDS = 100
MAX_BODY = 16 * 1024
CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}


def message_json(message: InboxMessage) -> dict[str, object]:
    return {"id": message.id, "text": message.text, "created_at": message.created_at.isoformat(),
            "buttons": [{"title": b.title, "payload": b.payload} for b in message.buttons]}


def _bad(status: int, reason: str) -> web.Response:
    log.info("web inbox request refused (%s): %s", status, reason)
    return web.json_response({"error": reason}, status=status, headers=CORS)


def _read_request(body: bytes) -> tuple[str, list[str]]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise InvalidInboxInput("the body must be JSON") from exc
    if not isinstance(data, dict):
        raise InvalidInboxInput('the body must be a JSON object: {"session_id": ..., "ids": [...]}')
    if "session_id" not in data:
        raise InvalidInboxInput("session_id is required")
    session_id = check_session_id(data["session_id"])
    ids = data.get("ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_READ_IDS:
        raise InvalidInboxInput(f"ids must be a list of 1 to {MAX_READ_IDS} message ids")
    return session_id, [check_message_id(i) for i in ids]


def add_inbox_routes(app: web.Application, inbox: InboxStore, now: Callable[[], datetime], *,
                     manage: bool = True) -> None:
    async def unread(request: web.Request) -> web.Response:
        session_id = request.query.get("session_id")
        if session_id is None:
            return _bad(400, "session_id is required")
        try:
            check_session_id(session_id)
        except InvalidInboxInput as exc:
            return _bad(400, str(exc))
        messages = await inbox.unread(session_id)
        return web.json_response({"messages": [message_json(m) for m in messages]}, headers=CORS)

    async def mark_read(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _bad(413, f"the body is too large ({MAX_BODY} bytes at most)")
        body = await request.read()  # the size was checked above; chunked bodies stop at client_max_size
        if len(body) > MAX_BODY:
            return _bad(413, f"the body is too large ({MAX_BODY} bytes at most)")
        try:
            session_id, ids = _read_request(body)
        except InvalidInboxInput as exc:
            return _bad(400, str(exc))
        marked = await inbox.mark_read(session_id, ids, now())
        return web.json_response({"marked": marked}, headers=CORS)

    async def preflight(request: web.Request) -> web.Response:
        return web.Response(status=204, headers={
            **CORS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})

    app.router.add_get("/api/inbox", unread)
    app.router.add_post("/api/inbox/read", mark_read)
    for path in INBOX_PATHS:
        app.router.add_route("OPTIONS", path, preflight)
    if manage:
        async def lifecycle(app: web.Application) -> AsyncIterator[None]:
            await inbox.start()
            yield
            await inbox.stop()

        app.cleanup_ctx.append(lifecycle)
