"""The `nurture` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .bootstrap import (
    build_alerts,
    build_consumer,
    build_dispatcher,
    build_inbox,
    build_privacy,
    build_service,
    build_store,
    resolve_database_url,
)
from .clock import SystemClock
from .config import Settings, load_settings
from .dispatch_cli import cmd_dispatch
from .errors import LeadNotFound, NurtureError
from .gc_tuning import tune_for_service
from .stack import SERVE_PORT, bin_path

log = logging.getLogger("nurture")


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Redacted (emails, phones) and secret-masked logs, as text or JSON lines (NURTURE_LOG_FORMAT)."""
    from .logs import configure_logging

    configure_logging(level, fmt, os.environ)


def train_argv(root: Path, *, force: bool = False) -> list[str]:
    argv = [bin_path("rasa"), "train", "--domain", str(root / "bot/domain"),
            "--data", str(root / "nlu_data"), str(root / "bot/stories"), str(root / "bot/rules"),
            "--config", str(root / "config.yml"), "--out", str(root / "models"), "--fixed-model-name", "nurture"]
    return [*argv, "--force"] if force else argv


def train_env() -> dict[str, str]:
    """TensorFlow uses every core for training (it defaults to one op at a time here)."""
    env = dict(os.environ)
    cores = str(os.cpu_count() or 2)
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", cores)
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", cores)
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    return env


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    return subprocess.call(train_argv(settings.root, force=args.force), env=train_env())


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from .store.migrate import upgrade

    upgrade(resolve_database_url(settings))
    print("lead store is at the latest schema")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from .api import create_app
    from .metrics import NurtureMetrics
    from .store.sql_reports import SqlReportStore

    metrics = NurtureMetrics()
    store = build_store(settings)
    service = build_service(settings, store=store)
    consumer = None if args.no_worker else build_consumer(settings, service, metrics)
    inbox = build_inbox(settings)
    clock = SystemClock()
    dispatcher = None if args.no_worker else build_dispatcher(settings, store, clock, inbox, metrics=metrics)
    alerter, watcher = build_alerts(settings, store, service, clock, os.environ, metrics)
    from .channels.telegram_bot import TelegramSettings

    app = create_app(service, settings, consumer=consumer, inbox=inbox, dispatcher=dispatcher,
                     telegram_username=TelegramSettings.from_env(os.environ).bot_username,
                     sales_alerts=alerter, slack_signing_secret=settings.channels.slack_signing_secret,
                     alerts=(alerter, None if args.no_worker else watcher),
                     reports=SqlReportStore(resolve_database_url(settings)),
                     privacy=build_privacy(settings, clock), metrics=metrics)
    tune_for_service()
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0


def cmd_actions(settings: Settings, args: argparse.Namespace) -> int:
    from actions.server import run

    if not settings.action_token:
        print("NURTURE_ACTION_TOKEN is not set: the action server will not run unprotected", file=sys.stderr)
        return 2
    run(settings.action_token, port=args.port, host=args.host)
    return 0


def cmd_up(settings: Settings, args: argparse.Namespace) -> int:
    from .up import run_stack

    return asyncio.run(run_stack(settings, train=not args.no_train))


async def _leads(settings: Settings, args: argparse.Namespace) -> int:
    service = build_service(settings)
    await service.start()
    try:
        if args.leads_command == "show":
            from .api.serialize import lead_json

            try:
                view = await service.view(args.lead_id)
            except LeadNotFound:
                print(f"no lead {args.lead_id}", file=sys.stderr)
                return 1
            print(json.dumps(lead_json(view, service.now(), service.half_life_days), indent=2, default=str))
            return 0
        page = await service.list_leads(stage=args.stage, q=args.q, limit=args.limit, cursor=None)
        print(f"{'id':32}  {'stage':12}  {'score':>6}  fields")
        for lead in page.leads:
            print(f"{lead.id:32}  {lead.stage.value:12}  {lead.score:6.1f}  "
                  f"{', '.join(sorted(f.value for f in lead.profile))}")
        return 0
    finally:
        await service.stop()


def cmd_leads(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_leads(settings, args))


def cmd_telegram(settings: Settings, args: argparse.Namespace) -> int:
    from telegram.error import TelegramError

    from .channels.telegram_bot import TelegramSettings, describe, set_webhook, webhook_info

    telegram = TelegramSettings.from_env(os.environ)
    try:
        if args.telegram_command == "set-webhook":
            info = asyncio.run(set_webhook(telegram, args.url, drop_pending=args.drop_pending_updates))
        else:
            info = asyncio.run(webhook_info(telegram))
    except TelegramError as exc:
        print(f"nurture: Telegram refused: {describe(exc)}", file=sys.stderr)
        return 1
    print(json.dumps(info, indent=2))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Configuration and environment checks as an OK/WARN/FAIL table; exit 1 on any FAIL."""
    from .doctor import exit_code, render, run_checks

    checks = run_checks({k: v for k, v in os.environ.items() if v != ""})
    print(render(checks))
    return exit_code(checks)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nurture", description="Conversational lead-nurturing service")
    parser.add_argument("--log-level", default=os.environ.get("NURTURE_LOG_LEVEL", "INFO"))
    parser.add_argument("--log-format", choices=("text", "json"),
                        default=os.environ.get("NURTURE_LOG_FORMAT") or "text")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start Rasa, the action server and the nurture service; Ctrl-C stops all")
    up.add_argument("--no-train", action="store_true", help="do not train when the model is missing")
    up.set_defaults(func=cmd_up)
    serve = sub.add_parser("serve", help="admin API and demo page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=SERVE_PORT)
    serve.add_argument("--no-worker", action="store_true", help="do not consume Rasa's event broker here")
    serve.set_defaults(func=cmd_serve)
    dispatch = sub.add_parser("dispatch", help="deliver the follow-ups due now (or at --now), then exit")
    dispatch.add_argument("--once", action="store_true", help="one pass over what is due, then exit")
    dispatch.add_argument("--now", help="ISO 8601 instant to deliver at (tests, operators)")
    dispatch.add_argument("--batch", type=int, default=200)
    dispatch.set_defaults(func=cmd_dispatch)
    worker = sub.add_parser("worker", help="run follow-up dispatchers only (extra workers at scale)")
    worker.add_argument("--dispatchers", type=int, default=1, help="dispatchers in this process")
    worker.add_argument("--batch", type=int, default=200)
    worker.add_argument("--idle", type=float, default=1.0, help="seconds to wait when nothing is due")
    worker.add_argument("--metrics-port", type=int, help="serve GET /metrics of this worker on this port")
    worker.add_argument("--metrics-host", default="127.0.0.1")
    worker.set_defaults(func=cmd_dispatch)
    actions = sub.add_parser("actions", help="the rasa-sdk action server, behind NURTURE_ACTION_TOKEN")
    actions.add_argument("--host", default="127.0.0.1")
    actions.add_argument("--port", type=int, default=5055)
    actions.set_defaults(func=cmd_actions)
    sub.add_parser("doctor", help="check configuration, tokens, database, model and unsafe settings")
    train = sub.add_parser("train", help="train the assistant (skipped by Rasa when nothing changed)")
    train.add_argument("--force", action="store_true")
    train.set_defaults(func=cmd_train)
    db = sub.add_parser("db", help="lead store schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations").set_defaults(func=cmd_db_upgrade)
    leads = sub.add_parser("leads", help="inspect leads")
    leads_sub = leads.add_subparsers(dest="leads_command", required=True)
    listing = leads_sub.add_parser("list")
    listing.add_argument("--stage")
    listing.add_argument("--q")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=cmd_leads)
    show = leads_sub.add_parser("show")
    show.add_argument("lead_id")
    show.set_defaults(func=cmd_leads)
    from .privacy_cli import add_privacy_commands

    add_privacy_commands(sub, leads_sub)  # leads export, leads erase, retention run
    telegram = sub.add_parser("telegram", help="the Telegram webhook (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET)")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    hook = telegram_sub.add_parser("set-webhook", help="point Telegram at Rasa's /webhooks/telegram/webhook")
    hook.add_argument("--url", required=True, help="public HTTPS URL of /webhooks/telegram/webhook")
    hook.add_argument("--drop-pending-updates", action="store_true")
    hook.set_defaults(func=cmd_telegram)
    telegram_sub.add_parser("webhook-info", help="what Telegram knows of the webhook").set_defaults(func=cmd_telegram)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(args.log_level, args.log_format)
    if args.command == "doctor":  # reports a broken nurture.yml in its table instead of stopping at it
        return cmd_doctor(args)
    try:
        settings = load_settings()
        return int(args.func(settings, args))
    except NurtureError as exc:
        print(f"nurture: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
