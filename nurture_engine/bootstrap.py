"""The one composition root: settings in, wired objects out."""

from __future__ import annotations

from pathlib import Path

from .clock import Clock, SystemClock
from .config import Settings
from .events import Consumer, EventConsumer, SqlEventSource
from .service import NurtureService
from .store.base import NurtureStore
from .store.sql import SqlLeadStore


def resolve_sqlite(url: str, root: Path) -> str:
    """Relative SQLite paths are relative to the project root, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((root / Path(url.removeprefix(prefix))).resolve())
    return url


def resolve_database_url(settings: Settings) -> str:
    return resolve_sqlite(settings.database_url, settings.root)


def build_consumer(settings: Settings, service: NurtureService) -> Consumer:
    """The behaviour consumer: RabbitMQ when NURTURE_RABBITMQ_URL is set, else Rasa's SQL broker table."""
    if settings.rabbitmq_url:
        from .events_rabbit import RabbitEventConsumer

        return RabbitEventConsumer(settings.rabbitmq_url, settings.rabbitmq_queue, service)
    return EventConsumer(SqlEventSource(resolve_sqlite(settings.events_url, settings.root)), service)


def build_store(settings: Settings) -> NurtureStore:
    return SqlLeadStore(resolve_database_url(settings))


def build_service(settings: Settings, *, clock: Clock | None = None,
                  store: NurtureStore | None = None) -> NurtureService:
    return NurtureService(store=store or build_store(settings), clock=clock or SystemClock(),
                          settings=settings)
