"""GDPR routes of the admin API (bearer token, like every /api route) and the retention job of `nurture serve`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from ..config import Retention
from ..errors import LeadNotFound
from ..privacy import Privacy

log = logging.getLogger(__name__)
PRIVACY: web.AppKey[Privacy] = web.AppKey("privacy", Privacy)
ACTOR = "admin-api"


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def export_lead(request: web.Request) -> web.Response:
    lead_id = request.match_info["lead_id"]
    try:
        record = await request.app[PRIVACY].export(lead_id, actor=ACTOR)
    except LeadNotFound:
        return _error(404, "no such lead")
    except (SQLAlchemyError, OSError) as exc:
        log.error("export of lead %s failed: %s", lead_id, type(exc).__name__)
        return _error(503, f"a store could not be read ({type(exc).__name__}); nothing was exported")
    return web.json_response(record)


async def erase_lead(request: web.Request) -> web.Response:
    lead_id = request.match_info["lead_id"]
    try:
        report = await request.app[PRIVACY].erase(lead_id, actor=ACTOR)
    except LeadNotFound:
        return _error(404, "no such lead")
    except (SQLAlchemyError, OSError) as exc:
        log.error("erase of lead %s failed: %s", lead_id, type(exc).__name__)
        return _error(503, f"the lead store failed ({type(exc).__name__}): if GET /api/leads/{lead_id} still "
                      "finds the lead, run the erasure again")
    if not report.complete:  # a store was unreachable: say which, never claim success
        return web.json_response({**report.to_json(), "error": "erasure incomplete: "
                                  + ", ".join(sorted(report.failed)) + " failed; run it again"}, status=503)
    return web.json_response(report.to_json())


async def run_retention(privacy: Privacy, retention: Retention, stop: asyncio.Event) -> None:
    """Applies the retention policy now and then every `run_every_minutes` until `stop`."""
    while not stop.is_set():
        try:
            counts = await privacy.retention(retention.conversations_days)
            if any(counts.values()):
                log.info("retention: deleted %s", counts)
        except (SQLAlchemyError, OSError) as exc:  # the database may be back on the next run
            log.error("retention run failed (%s); retried on the next run", type(exc).__name__)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), retention.run_every_minutes * 60)


def add_privacy_routes(app: web.Application, privacy: Privacy, retention: Retention | None = None, *,
                       manage: bool = True) -> None:
    app[PRIVACY] = privacy
    app.router.add_get("/api/leads/{lead_id}/export", export_lead)
    app.router.add_post("/api/leads/{lead_id}/erase", erase_lead)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        if manage:
            await privacy.start()
        stop = asyncio.Event()
        task: asyncio.Task[Any] | None = None
        if retention is not None and retention.enabled:
            task = asyncio.create_task(run_retention(privacy, retention, stop))
        yield
        stop.set()
        if task is not None:
            await task
        if manage:
            await privacy.stop()

    app.cleanup_ctx.append(lifecycle)
