"""The admin API app factory: dependencies in, aiohttp application out."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from ..alert_watch import AlertWatcher
from ..alerts import SalesAlerter
from ..alerts_model import alert_json
from ..config import Settings
from ..conversation import Conversation
from ..domain import Channel, Stage
from ..errors import LeadNotFound
from ..events import Consumer, running
from ..inbox import InboxStore
from ..linking import LinkError, link_payload
from ..metrics import NO_METRICS, Metrics, NurtureMetrics
from ..privacy import Privacy
from ..reports import ReportStore
from ..scheduler.dispatcher import Dispatcher
from ..service import NurtureService
from .dashboard_routes import add_dashboard_routes, filtered_leads
from .inbox_routes import INBOX_PATHS, add_inbox_routes
from .middleware import add_metrics_route, limits_middleware, metrics_middleware, parse_limits
from .privacy_routes import add_privacy_routes
from .serialize import REQUEST_KINDS, lead_json, lead_summary
from .slack_actions import ClickHandler, add_slack_action_routes
from .widget_routes import add_widget_routes

log = logging.getLogger(__name__)
SERVICE: web.AppKey[NurtureService] = web.AppKey("service", NurtureService)
ALERTER: web.AppKey[SalesAlerter] = web.AppKey("alerter", SalesAlerter)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
TELEGRAM_LINK_PATH = "/api/visitor/telegram-link"
PUBLIC = {"/api/health", "/", *INBOX_PATHS, TELEGRAM_LINK_PATH}
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


_CURSOR = re.compile(r"[0-9a-f]{32}")
"""A lead id, as `next_cursor` gives it."""


async def list_leads(request: web.Request) -> web.Response:
    if request.query.get("channel") or request.query.get("sort"):  # the dashboard's filters (dashboard_routes)
        return await filtered_leads(request)
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
    cursor = request.query.get("cursor") or None
    if cursor is not None and not _CURSOR.fullmatch(cursor):  # until stop 30: an empty page
        return _error(400, "cursor must be the next_cursor of an earlier page")
    page = await request.app[SERVICE].list_leads(stage=stage, q=q, limit=limit, cursor=cursor)
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
    alerter = request.app.get(ALERTER)
    alerts = [alert_json(a) for a in await alerter.alerts_for(lead_id)] if alerter is not None else []
    requests = [i for i in await service.interactions(lead_id) if i.kind in REQUEST_KINDS]
    return web.json_response(lead_json(view, service.now(), service.half_life_days, alerts=alerts, requests=requests))


def telegram_link(session_id: str | None, secret: str | None, username: str | None) -> web.Response:
    """A signed deep link that continues this web session on Telegram (public: the widget asks for it;
    it names only the session id the caller already holds)."""
    if not secret:
        return _error(503, "deep links are off: NURTURE_ACTION_TOKEN is not set")
    if not session_id:
        return _error(400, "session_id is required")
    try:
        payload = link_payload(secret, session_id)
    except LinkError as exc:
        return _error(400, str(exc))
    body = {"payload": payload}
    if username:
        body["url"] = f"https://t.me/{username}?start={payload}"
    return web.json_response(body)


def create_app(service: NurtureService, settings: Settings, *, manage_service: bool = True,
               consumer: Consumer | None = None, inbox: InboxStore | None = None,
               telegram_username: str | None = None, sales_alerts: ClickHandler | None = None,
               slack_signing_secret: str | None = None, dispatcher: Dispatcher | None = None,
               alerts: tuple[SalesAlerter, AlertWatcher | None] | None = None,
               reports: ReportStore | None = None, privacy: Privacy | None = None,
               metrics: NurtureMetrics | None = None) -> web.Application:
    limits = parse_limits(settings.raw.get("limits"))
    observed: Metrics = metrics if metrics is not None else NO_METRICS
    app = web.Application(middlewares=[metrics_middleware(observed), limits_middleware(limits, observed),
                                       auth_middleware(settings.admin_token)],
                          client_max_size=limits.max_body_bytes)
    if metrics is not None:
        add_metrics_route(app, metrics, admin_token=settings.admin_token, metrics_token=settings.metrics_token)
    app[SERVICE] = service
    web_dir = Path(__file__).resolve().parents[2] / "web"
    app.router.add_get("/api/health", health)
    app.router.add_get("/api/leads", list_leads)
    app.router.add_get("/api/leads/lookup", lookup)
    app.router.add_get("/api/leads/{lead_id}", get_lead)

    async def telegram_link_route(request: web.Request) -> web.Response:
        return telegram_link(request.query.get("session_id"), settings.action_token, telegram_username)

    app.router.add_get(TELEGRAM_LINK_PATH, telegram_link_route)
    if inbox is not None:
        add_inbox_routes(app, inbox, service.now, manage=manage_service)
    if sales_alerts is not None:
        add_slack_action_routes(app, sales_alerts, slack_signing_secret)
    if privacy is not None:  # GDPR export/erase; the retention job runs with the worker
        add_privacy_routes(app, privacy, settings.retention if dispatcher is not None else None,
                           manage=manage_service)
    add_dashboard_routes(app, service, settings, reports, web_dir if web_dir.is_dir() else None)
    if web_dir.is_dir():
        add_widget_routes(app, settings, web_dir)
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
    if alerts is not None:
        app[ALERTER] = alerts[0]
    if dispatcher is not None or alerts is not None:
        app.cleanup_ctx.append(background(dispatcher, alerts))
    return app


def background(dispatcher: Dispatcher | None, alerts: tuple[SalesAlerter, AlertWatcher | None] | None) -> Any:
    """Runs the follow-up dispatcher and the sales-alert watcher for the life of the app (after the store
    and inbox started); the alerter itself is up whenever the app is, for Slack button clicks."""

    async def watch(watcher: AlertWatcher, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await watcher.run_once()
            except Exception:  # a database or Slack hiccup: try again on the next tick
                log.exception("alert watcher: pass failed; retrying")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 2.0)

    async def ctx(app: web.Application) -> Any:
        stop = asyncio.Event()
        tasks = []
        if alerts is not None:
            await alerts[0].start()
            if alerts[1] is not None:
                await alerts[1].start()
                tasks.append(asyncio.create_task(watch(alerts[1], stop)))
        if dispatcher is not None:
            await dispatcher.start()
            tasks.append(asyncio.create_task(dispatcher.run_forever(stop)))
        yield
        stop.set()
        await asyncio.gather(*tasks)
        if dispatcher is not None:
            await dispatcher.stop()
        if alerts is not None:
            if alerts[1] is not None:
                await alerts[1].stop()
            await alerts[0].stop()

    return ctx
