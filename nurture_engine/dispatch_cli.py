"""`nurture dispatch --once [--now]` and `nurture worker` (dispatchers only, optionally with GET /metrics)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from datetime import datetime
from typing import Any

from .bootstrap import build_dispatcher, build_inbox, build_store
from .clock import SystemClock
from .config import Settings
from .errors import NurtureError
from .gc_tuning import tune_for_service
from .metrics import NO_METRICS, Metrics

log = logging.getLogger("nurture")


async def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    """`dispatch --once [--now]` delivers what is due at that instant; `worker` runs dispatchers until stopped."""
    import signal

    from .scheduler.dispatcher import DispatchReport

    clock = SystemClock()
    store, inbox = build_store(settings), build_inbox(settings)
    await store.start()
    await inbox.start()
    metrics_port = getattr(args, "metrics_port", None)
    metrics, scrape = await _metrics_endpoint(settings, args.metrics_host, metrics_port) if metrics_port else (
        NO_METRICS, None)
    dispatchers = [build_dispatcher(settings, store, clock, inbox, batch_size=args.batch, metrics=metrics)
                   for _ in range(1 if args.command == "dispatch" else args.dispatchers)]
    for d in dispatchers:
        await d.start()
    try:
        if args.command == "dispatch":
            now = parse_instant(args.now) if args.now else clock.now()
            report: DispatchReport = await dispatchers[0].drain(now)
            print(json.dumps({"now": now.isoformat(), "claimed": report.claimed, **report.counts}))
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        log.info("%d dispatcher(s) running; Ctrl-C stops them", len(dispatchers))
        await asyncio.gather(*(d.run_forever(stop, idle=args.idle) for d in dispatchers))
        return 0
    finally:
        for d in dispatchers:
            await d.stop()
        if scrape is not None:
            await scrape.cleanup()
        await inbox.stop()
        await store.stop()


async def _metrics_endpoint(settings: Settings, host: str, port: int) -> tuple[Metrics, Any]:
    """`GET /metrics` of a worker process (same tokens as serve's), so each dispatcher can be scraped."""
    from aiohttp import web

    from .api.middleware import add_metrics_route
    from .metrics import NurtureMetrics

    metrics = NurtureMetrics()
    app = web.Application()
    add_metrics_route(app, metrics, admin_token=settings.admin_token, metrics_token=settings.metrics_token)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("worker metrics on http://%s:%d/metrics", host, port)
    return metrics, runner


def parse_instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise NurtureError(f"--now must be an ISO 8601 time like 2026-11-26T09:00:00+00:00, got {text!r}") from exc
    if at.tzinfo is None:
        raise NurtureError("--now needs a time zone (e.g. +00:00 or Z): a bare time is ambiguous")
    return at


def cmd_dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "dispatch" and not args.once:
        print("nurture dispatch needs --once (use `nurture worker` to keep dispatching)", file=sys.stderr)
        return 2
    if args.command == "worker":
        tune_for_service()
    return asyncio.run(_dispatch(settings, args))
