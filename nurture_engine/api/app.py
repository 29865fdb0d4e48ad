"""The admin API app factory: dependencies in, aiohttp application out."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from ..config import Settings
from ..domain import Channel, Stage
from ..errors import LeadNotFound
from ..events import Consumer, running
from ..service import Conversation, NurtureService
from .serialize import lead_json, lead_summary

log = logging.getLogger(__name__)
SERVICE: web.AppKey[NurtureService] = web.AppKey("service", NurtureService)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC = {"/api/health", "/"}
MAX_LIMIT = 200


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def auth_middleware(admin_token: str | None) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PUBLIC or request.path.startswith("/static/") or not request.path.startswith("/api/"):
            return await handler(request)
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return _error(401, "missing bearer token")
        if admin_token is None:
            log.warning("admin API called but NURTURE_ADMIN_TOKEN is not set")
            return _error(403, "admin API disabled: NURTURE_ADMIN_TOKEN is not set")
        if not hmac.compare_digest(header.removeprefix("Bearer ").encode(), admin_token.encode()):
            return _error(403, "wrong token")
        return await handler(request)

    return check


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def list_leads(request: web.Request) -> web.Response:
    stage = request.query.get("stage") or None
    if stage is not None and stage not in {s.value for s in Stage}:
        return _error(400, f"unknown stage {stage!r}")
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        return _error(400, "limit must be an integer")
    if not 1 <= limit <= MAX_LIMIT:
        return _error(400, f"limit must be between 1 and {MAX_LIMIT}")
    q = request.query.get("q") or None
    if q is not None and len(q) > 200:
        return _error(400, "q is too long (200 characters at most)")
    page = await request.app[SERVICE].list_leads(stage=stage, q=q, limit=limit,
                                                 cursor=request.query.get("cursor") or None)
    return web.json_response({"leads": [lead_summary(lead) for lead in page.leads],
                              "next_cursor": page.next_cursor})


async def lookup(request: web.Request) -> web.Response:
    channel, sender_id = request.query.get("channel"), request.query.get("sender_id")
    if not channel or not sender_id:
        return _error(400, "channel and sender_id are required")
    try:
        conv = Conversation(channel=Channel(channel), sender_id=sender_id)
    except ValueError:
        return _error(400, f"unknown channel {channel!r}")
    lead = await request.app[SERVICE].lookup(conv)
    if lead is None:
        return _error(404, "no lead for that conversation")
    return await _lead_response(request, lead.id)


async def get_lead(request: web.Request) -> web.Response:
    return await _lead_response(request, request.match_info["lead_id"])


async def _lead_response(request: web.Request, lead_id: str) -> web.Response:
    service = request.app[SERVICE]
    try:
        view = await service.view(lead_id)
    except LeadNotFound:
        return _error(404, "no such lead")
    return web.json_response(lead_json(view, service.now(), service.half_life_days))


def create_app(service: NurtureService, settings: Settings, *, manage_service: bool = True,
               consumer: Consumer | None = None) -> web.Application:
    app = web.Application(middlewares=[auth_middleware(settings.admin_token)], client_max_size=64 * 1024)
    app[SERVICE] = service
    web_dir = Path(__file__).resolve().parents[2] / "web"
    demo = web_dir / "demo.html"

    async def demo_page(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(demo)

    app.router.add_get("/api/health", health)
    app.router.add_get("/api/leads", list_leads)
    app.router.add_get("/api/leads/lookup", lookup)
    app.router.add_get("/api/leads/{lead_id}", get_lead)
    app.router.add_get("/", demo_page)
    if web_dir.is_dir():
        app.router.add_static("/static/", web_dir)
    if manage_service:
        async def lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
            await service.start()
            if consumer is None:
                yield
            else:
                await consumer.start()
                async with running(consumer):
                    yield
                await consumer.stop()
            await service.stop()

        app.cleanup_ctx.append(lifecycle)
    return app
