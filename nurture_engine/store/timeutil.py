"""Datetimes read back from SQL are UTC (SQLite drops the offset); they are always made aware."""

from __future__ import annotations

from datetime import datetime, timezone


def utc(at: datetime | None) -> datetime | None:
    if at is None or at.tzinfo is timezone.utc:
        return at
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def req_utc(at: datetime | None) -> datetime:
    value = utc(at)
    if value is None:
        raise ValueError("a required timestamp is missing")
    return value
