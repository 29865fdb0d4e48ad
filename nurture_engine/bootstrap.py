"""The one composition root: settings in, wired objects out."""

from __future__ import annotations

from pathlib import Path

from .clock import Clock, SystemClock
from .config import Settings
from .service import NurtureService
from .store.base import LeadStore
from .store.sql import SqlLeadStore


def resolve_database_url(settings: Settings) -> str:
    """Relative SQLite paths are relative to the project root, not to the working directory."""
    url = settings.database_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((settings.root / Path(url.removeprefix(prefix))).resolve())
    return url


def build_store(settings: Settings) -> LeadStore:
    return SqlLeadStore(resolve_database_url(settings))


def build_service(settings: Settings, *, clock: Clock | None = None,
                  store: LeadStore | None = None) -> NurtureService:
    return NurtureService(store=store or build_store(settings), clock=clock or SystemClock(),
                          settings=settings)
