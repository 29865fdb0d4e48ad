"""`nurture leads export`, `nurture leads erase ID` and `nurture retention run`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from collections.abc import Callable
from typing import IO, Any

from sqlalchemy.exc import SQLAlchemyError

from .bootstrap import build_privacy, build_service
from .clock import Clock, FrozenClock, SystemClock
from .config import Settings
from .domain import Lead, ProfileField
from .errors import LeadNotFound

CSV_FIELDS = ["id", "stage", "score", "channels", *(f.value for f in ProfileField), "consent", "consent_at",
              "created_at"]
PAGE = 200
PROGRESS_EVERY = 500
Command = Callable[[Settings, argparse.Namespace], int]


def csv_row(lead: Lead) -> dict[str, Any]:
    row: dict[str, Any] = {"id": lead.id, "stage": lead.stage.value, "score": round(lead.score, 2),
                           "channels": " ".join(sorted({i.channel.value for i in lead.identities})),
                           "consent": lead.consent.status.value,
                           "consent_at": lead.consent.at.isoformat() if lead.consent.at else "",
                           "created_at": lead.created_at.isoformat()}
    for profile_field, value in lead.profile.items():
        v = value.value
        row[profile_field.value] = v if isinstance(v, str | int | float) else json.dumps(v, sort_keys=True)
    return row


async def _export(settings: Settings, args: argparse.Namespace, out: IO[str]) -> int:
    service, privacy = build_service(settings), build_privacy(settings)
    await service.start()
    await privacy.start()
    count, cursor, first, next_report = 0, None, True, PROGRESS_EVERY
    try:
        if args.format == "csv":
            header = io.StringIO()
            csv.DictWriter(header, CSV_FIELDS).writeheader()
            await asyncio.to_thread(out.write, header.getvalue())
        else:
            await asyncio.to_thread(out.write, "[")
        while True:
            page = await service.list_leads(stage=None, q=None, limit=PAGE, cursor=cursor)
            chunk = io.StringIO()
            if args.format == "csv":
                writer = csv.DictWriter(chunk, CSV_FIELDS, restval="")
                writer.writerows(csv_row(lead) for lead in page.leads)
            else:
                for lead in page.leads:
                    try:
                        record = await privacy.export(lead.id, actor="cli", audit=False)
                    except LeadNotFound:  # erased or merged while the export ran
                        continue
                    chunk.write(("\n" if first else ",\n") + json.dumps(record, sort_keys=True))
                    first = False
            await asyncio.to_thread(out.write, chunk.getvalue())
            count += len(page.leads)
            if count >= next_report and page.next_cursor:
                print(f"exported {count} leads...", file=sys.stderr)
                next_report += PROGRESS_EVERY
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        if args.format == "json":
            await asyncio.to_thread(out.write, "\n]\n")
        await privacy.audit_bulk_export(count, actor="cli")
        print(f"exported {count} leads ({args.format})", file=sys.stderr)
        return 0
    finally:
        await privacy.stop()
        await service.stop()


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    if args.output in (None, "-"):
        return asyncio.run(_export(settings, args, sys.stdout))
    with open(args.output, "w", encoding="utf-8", newline="") as out:
        return asyncio.run(_export(settings, args, out))


async def _erase(settings: Settings, lead_id: str) -> int:
    privacy = build_privacy(settings)
    await privacy.start()
    try:
        report = await privacy.erase(lead_id, actor="cli")
    except LeadNotFound:
        print(f"no lead {lead_id}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        print(f"the lead store failed ({type(exc).__name__}): if `nurture leads show {lead_id}` still finds the "
              "lead, run the erasure again", file=sys.stderr)
        return 1
    finally:
        await privacy.stop()
    print(json.dumps(report.to_json(), indent=2, sort_keys=True))
    if not report.complete:
        print(f"erasure of lead {lead_id} is INCOMPLETE: {', '.join(sorted(report.failed))} failed; "
              "the lead was kept so that running the command again finishes it", file=sys.stderr)
        return 1
    return 0


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    """`nurture leads erase ID` (the contract's form) erases at once when run by a script; at a terminal
    it asks for the id again first, unless --yes is given."""
    if not args.yes and sys.stdin.isatty():
        print(f"Erasure deletes lead {args.lead_id}, its conversations and its messages everywhere and cannot "
              "be undone. Type the lead id to confirm: ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip() != args.lead_id:
            print("not confirmed: nothing erased", file=sys.stderr)
            return 2
    return asyncio.run(_erase(settings, args.lead_id))


async def _retention(settings: Settings, clock: Clock) -> int:
    privacy = build_privacy(settings, clock)
    await privacy.start()
    try:
        counts = await privacy.retention(settings.retention.conversations_days)
    finally:
        await privacy.stop()
    print(json.dumps({"conversations_days": settings.retention.conversations_days, "deleted": counts},
                     sort_keys=True))
    return 0


def cmd_retention(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.retention.enabled:
        print("retention is off (nurture.yml retention.conversations_days is 0 or absent): nothing deleted",
              file=sys.stderr)
        return 0
    from .dispatch_cli import parse_instant

    clock: Clock = FrozenClock(parse_instant(args.now)) if args.now else SystemClock()
    return asyncio.run(_retention(settings, clock))


def add_privacy_commands(sub: Any, leads_sub: Any) -> None:
    """Registers the commands on `nurture`'s parser (`sub`) and its `leads` group (`leads_sub`)."""
    export = leads_sub.add_parser("export", help="every lead: csv (one row each) or json (full records)")
    export.add_argument("--format", choices=["csv", "json"], default="json")
    export.add_argument("--output", help="file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    erase = leads_sub.add_parser("erase", help="GDPR erasure of one lead in every store (asks at a terminal)")
    erase.add_argument("lead_id")
    erase.add_argument("--yes", action="store_true", help="do not ask at a terminal: the erasure cannot be undone")
    erase.set_defaults(func=cmd_erase)
    retention = sub.add_parser("retention", help="the conversation retention policy (nurture.yml retention)")
    retention_sub = retention.add_subparsers(dest="retention_command", required=True)
    run = retention_sub.add_parser("run", help="delete conversations older than retention.conversations_days")
    run.add_argument("--now", help="ISO 8601 instant to apply the policy at (tests, operators)")
    run.set_defaults(func=cmd_retention)
