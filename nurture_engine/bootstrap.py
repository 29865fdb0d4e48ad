"""The one composition root: settings in, wired objects out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .clock import Clock, SystemClock
from .config import Settings
from .domain import Channel
from .events import Consumer, EventConsumer, SqlEventSource
from .inbox import InboxStore
from .metrics import NO_METRICS, Metrics
from .scheduler.adapters import ChannelAdapter, HttpRecordingAdapter
from .scheduler.dispatcher import Dispatcher
from .service import NurtureService
from .store.base import NurtureStore
from .store.sql import SqlLeadStore

if TYPE_CHECKING:
    from .alert_watch import AlertWatcher
    from .alerts import SalesAlerter
    from .privacy import Privacy
    from .rasa_stores import RasaBrokerEvents, RasaTrackerEvents


def resolve_sqlite(url: str, root: Path) -> str:
    """Relative SQLite paths are relative to the project root, not to the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        return prefix + str((root / Path(url.removeprefix(prefix))).resolve())
    return url


def resolve_database_url(settings: Settings) -> str:
    return resolve_sqlite(settings.database_url, settings.root)


def build_consumer(settings: Settings, service: NurtureService, metrics: Metrics = NO_METRICS) -> Consumer:
    """The behaviour consumer: RabbitMQ when NURTURE_RABBITMQ_URL is set, else Rasa's SQL broker table."""
    if settings.rabbitmq_url:
        from .events_rabbit import RabbitEventConsumer

        return RabbitEventConsumer(settings.rabbitmq_url, settings.rabbitmq_queue, service, metrics=metrics)
    return EventConsumer(SqlEventSource(resolve_sqlite(settings.events_url, settings.root)), service,
                         metrics=metrics)


def build_store(settings: Settings) -> NurtureStore:
    return SqlLeadStore(resolve_database_url(settings))


def build_inbox(settings: Settings) -> InboxStore:
    """The web inbox, in the lead store's database (migration 0003)."""
    from .store.inbox_sql import SqlInboxStore

    return SqlInboxStore(resolve_database_url(settings))


def channel_adapters(settings: Settings, inbox: InboxStore | None, clock: Clock) -> dict[Channel, ChannelAdapter]:
    """How follow-ups leave: the web inbox, and Telegram / Slack when their tokens are set."""
    ch = settings.channels
    if ch.recording_url:
        return {c: HttpRecordingAdapter(c, ch.recording_url) for c in (Channel.WEB, Channel.TELEGRAM, Channel.SLACK)}
    adapters: dict[Channel, ChannelAdapter] = {}
    if inbox is not None:
        from .scheduler.web_adapter import WebInboxAdapter

        adapters[Channel.WEB] = WebInboxAdapter(inbox, clock)
    if ch.telegram_token:
        from .scheduler.telegram_adapter import TelegramAdapter

        adapters[Channel.TELEGRAM] = TelegramAdapter(ch.telegram_token, ch.telegram_base_url)
    if ch.slack_token:
        from .scheduler.slack_adapter import SlackAdapter

        adapters[Channel.SLACK] = SlackAdapter(ch.slack_token, ch.slack_base_url)
    return adapters


def build_dispatcher(settings: Settings, store: NurtureStore, clock: Clock, inbox: InboxStore | None, *,
                     batch_size: int = 200, metrics: Metrics = NO_METRICS) -> Dispatcher:
    """A dispatcher on the configured channels; it appends what it sends to the Rasa conversation when
    RASA_TOKEN is known (without it, follow-ups still go out but replies lack their context)."""
    from .privacy import ErasedSenderSweeper
    from .scheduler.tracker import RasaTracker

    sink = RasaTracker(settings.rasa_url, settings.rasa_token) if settings.rasa_token else None
    sweeper = ErasedSenderSweeper(senders=store, conversations=conversation_stores(settings)) if sink else None
    return Dispatcher(store=store, adapters=channel_adapters(settings, inbox, clock), plan=settings.plan,
                      business=settings.business, clock=clock, tracker=sink, batch_size=batch_size,
                      metrics=metrics, sweeper=sweeper)


def build_service(settings: Settings, *, clock: Clock | None = None,
                  store: NurtureStore | None = None) -> NurtureService:
    return NurtureService(store=store or build_store(settings), clock=clock or SystemClock(),
                          settings=settings)


def build_alerts(settings: Settings, store: NurtureStore, service: NurtureService, clock: Clock,
                 env: Mapping[str, str], metrics: Metrics = NO_METRICS) -> tuple[SalesAlerter, AlertWatcher]:
    """Sales alerts (Slack, optional CRM webhook) and the watcher that raises them from durable rows."""
    from .alert_watch import AlertWatcher
    from .alerts import SalesAlerter
    from .alerts_model import parse_alert_rules
    from .alerts_slack import AlertDelivery, build_sinks
    from .store.alerts_sql import SqlAlertStore

    rules = parse_alert_rules(settings.raw.get("alerts"))
    sinks = build_sinks(AlertDelivery.from_env(env), clock=clock, rules=rules)
    alerter = SalesAlerter(store=SqlAlertStore(resolve_database_url(settings)), clock=clock, lead_actions=service,
                           rules=rules, sinks=sinks, metrics=metrics)
    watcher = AlertWatcher(source=store, service=service, alerter=alerter, clock=clock,
                           conversations=build_transcripts(settings))
    return alerter, watcher


def build_transcripts(settings: Settings) -> RasaTrackerEvents:
    """Conversations read from Rasa's tracker store (never through Rasa's API, which creates what it lacks)."""
    from .rasa_stores import RasaTrackerEvents

    return RasaTrackerEvents(resolve_sqlite(settings.tracker_url, settings.root))


def build_privacy(settings: Settings, clock: Clock | None = None) -> Privacy:
    """GDPR export/erase and retention over the lead store, Rasa's tracker store and its SQL event broker."""
    from .privacy import Privacy
    from .store.sql_privacy import SqlPrivacyStore

    return Privacy(leads=SqlPrivacyStore(resolve_database_url(settings)),
                   conversations=conversation_stores(settings), clock=clock or SystemClock())


def conversation_stores(settings: Settings) -> tuple[RasaTrackerEvents, RasaBrokerEvents]:
    """Rasa's tracker store and its SQL event broker's table, where a conversation's events are kept."""
    from .rasa_stores import RasaBrokerEvents, RasaTrackerEvents

    return (RasaTrackerEvents(resolve_sqlite(settings.tracker_url, settings.root)),
            RasaBrokerEvents(resolve_sqlite(settings.events_url, settings.root)))
