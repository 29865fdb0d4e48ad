"""The dashboard: its page and assets (public: they hold no data) and the report routes of the admin API
(under /api/, so the admin-token middleware guards them)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from ..config import Settings
from ..domain import Channel, Stage
from ..errors import LeadNotFound
from ..reports import LEAD_SORTS, LeadQuery, ReportStore, funnel, score_history, sequence_stats, week_start
from ..service import NurtureService
from .serialize import iso

log = logging.getLogger(__name__)
REPORTS: web.AppKey[ReportStore] = web.AppKey("reports", ReportStore)
MAX_WEEKS = 104
MAX_LIMIT = 200
MAX_TRANSCRIPT = 500
PAGE_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache",
    "X-Frame-Options": "DENY"}
ASSETS = {"/dashboard.js": ("dashboard.js", "text/javascript"), "/dashboard.css": ("dashboard.css", "text/css")}


class BadParam(ValueError):
    pass


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParam(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise BadParam(f"{name} must be between {low} and {high}")
    return value


def _channel(request: web.Request) -> Channel | None:
    raw = request.query.get("channel") or None
    if raw is None:
        return None
    try:
        return Channel(raw)
    except ValueError:
        raise BadParam(f"unknown channel {raw[:40]!r} (one of: {', '.join(c.value for c in Channel)})") from None


def _guarded(handler: Callable[[web.Request], Awaitable[web.Response]]) -> Callable[[web.Request],
                                                                                   Awaitable[web.Response]]:
    async def run(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except BadParam as exc:
            log.info("dashboard API: bad parameter on %s: %s", request.path, exc)
            return _error(400, str(exc))
        except LeadNotFound:
            return _error(404, "no such lead")

    return run


async def _filtered_leads(request: web.Request) -> web.Response:
    """GET /api/leads with `channel` or `sort` (the plain listing stays in app.py); `cursor` is an offset."""
    reports = request.app.get(REPORTS)
    if reports is None:
        return _error(503, "channel and sort filters need the report store, which this server does not run")
    stage_raw = request.query.get("stage") or None
    if stage_raw is not None and stage_raw not in {s.value for s in Stage}:
        raise BadParam(f"unknown stage {stage_raw[:40]!r}")
    sort = request.query.get("sort") or "id"
    if sort not in LEAD_SORTS:
        raise BadParam(f"unknown sort {sort[:40]!r} (one of: {', '.join(LEAD_SORTS)})")
    q = request.query.get("q") or None
    if q is not None and len(q) > 200:
        raise BadParam("q is too long (200 characters at most)")
    query = LeadQuery(stage=Stage(stage_raw) if stage_raw else None, q=q, channel=_channel(request), sort=sort,
                      limit=_int(request, "limit", 50, 1, MAX_LIMIT), offset=_int(request, "cursor", 0, 0, 10**9))
    rows, more = await reports.lead_rows(query)
    leads = [{"id": r.id, "stage": r.stage.value, "score": r.score, "name": r.profile.get("name"),
              "email": r.profile.get("email"), "company": r.profile.get("company"), "channels": list(r.channels),
              "created_at": iso(r.created_at)} for r in rows]
    return web.json_response({"leads": leads, "next_cursor": str(query.offset + query.limit) if more else None})


filtered_leads = _guarded(_filtered_leads)


def add_dashboard_routes(app: web.Application, service: NurtureService, settings: Settings,
                         reports: ReportStore | None, web_dir: Path | None) -> None:
    """`/dashboard` and its assets when `web_dir` is given; the report routes when `reports` is."""
    if web_dir is not None and (web_dir / "dashboard.html").is_file():
        page = (web_dir / "dashboard.html").read_text(encoding="utf-8")

        async def dashboard(request: web.Request) -> web.Response:
            return web.Response(text=page, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)

        app.router.add_get("/dashboard", dashboard)
        for route, (name, content_type) in ASSETS.items():
            app.router.add_get(route, _asset(web_dir / name, content_type))
    if reports is None:
        return
    app[REPORTS] = reports
    from ..bootstrap import build_transcripts

    conversations = build_transcripts(settings)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await reports.start()
        await conversations.start()
        yield
        await conversations.stop()
        await reports.stop()

    app.cleanup_ctx.append(lifecycle)
    plan = [(s.name, [step.id for step in s.steps], list(s.variants())) for s in settings.plan.sequences]
    known_sequences = {name for name, _, _ in plan}

    async def funnel_route(request: web.Request) -> web.Response:
        weeks = _int(request, "weeks", 8, 1, MAX_WEEKS)
        channel = _channel(request)
        now = service.now()
        since = week_start(now) - timedelta(weeks=weeks - 1)
        leads = await reports.funnel_leads(since, channel)
        return web.json_response(funnel(leads, now=now, weeks=weeks, channel=channel))

    async def sequence_route(request: web.Request) -> web.Response:
        name = request.query.get("sequence") or None
        if name is not None and name not in known_sequences:
            raise BadParam(f"unknown sequence {name[:64]!r} (one of: {', '.join(sorted(known_sequences))})")
        facts = await reports.sequence_facts(name)
        chosen = [p for p in plan if name is None or p[0] == name]
        stats = sequence_stats(facts, chosen)
        return web.json_response({"sequences": [s for s in stats if name is None or s["sequence"] == name]})

    async def history_route(request: web.Request) -> web.Response:
        lead_id = request.match_info["lead_id"]
        view = await service.view(lead_id)
        body = score_history(view.lead.profile.values(), await service.interactions(lead_id), view.history,
                             settings.scoring, service.now())
        return web.json_response({"lead_id": lead_id, **body})

    async def consent_route(request: web.Request) -> web.Response:
        lead = await service.get_lead(request.match_info["lead_id"])
        ledger = await reports.consent_ledger(lead.id)
        return web.json_response({
            "lead_id": lead.id,
            "current": {"status": lead.consent.status.value, "at": iso(lead.consent.at), "source": lead.consent.source},
            "ledger": [{"status": c.status, "channel": c.channel, "text": c.text, "at": iso(c.at)} for c in ledger]})

    async def transcript_route(request: web.Request) -> web.Response:
        lead = await service.get_lead(request.match_info["lead_id"])
        messages: list[dict[str, Any]] = []
        unavailable = []
        for identity in lead.identities:
            try:
                events = await conversations.events(identity.sender_id)
            except (DBAPIError, OSError, asyncio.TimeoutError) as exc:
                log.warning("transcript: the tracker store of a %s conversation unavailable: %s",
                            identity.channel.value, type(exc).__name__)
                unavailable.append({"channel": identity.channel.value, "sender_id": identity.sender_id})
                continue
            messages += [_message(e, identity.channel.value, identity.sender_id) for e in events
                         if e.get("event") in ("user", "bot") and isinstance(e.get("text"), str) and e.get("text")]
        if unavailable and not messages and len(unavailable) == len(lead.identities):
            return _error(502, "the tracker store could not be read for this lead's conversations")
        messages.sort(key=lambda m: float(m["timestamp"] or 0))
        return web.json_response({"lead_id": lead.id, "messages": messages[-MAX_TRANSCRIPT:],
                                  "truncated": len(messages) > MAX_TRANSCRIPT, "unavailable": unavailable})

    app.router.add_get("/api/funnel", _guarded(funnel_route))
    app.router.add_get("/api/sequences/stats", _guarded(sequence_route))
    app.router.add_get("/api/leads/{lead_id}/score-history", _guarded(history_route))
    app.router.add_get("/api/leads/{lead_id}/consent", _guarded(consent_route))
    app.router.add_get("/api/leads/{lead_id}/transcript", _guarded(transcript_route))


def _message(event: dict[str, Any], channel: str, sender_id: str) -> dict[str, Any]:
    parse = event.get("parse_data")
    intent = parse.get("intent") if isinstance(parse, dict) else None
    stamp = event.get("timestamp")
    return {"from": event["event"], "text": str(event["text"])[:4000], "channel": channel, "sender_id": sender_id,
            "timestamp": stamp if isinstance(stamp, (int, float)) else None,
            "intent": intent.get("name") if isinstance(intent, dict) else None}


def _asset(path: Path, content_type: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def serve(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(path, headers={"Content-Type": f"{content_type}; charset=utf-8",
                                               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})

    return serve
