"""Builds dispatchers from settings (called by the composition root)."""

from __future__ import annotations

from ..clock import Clock
from ..config import Settings
from ..domain import Channel
from ..inbox import InboxStore
from ..metrics import NO_METRICS, Metrics
from ..store.base import FollowUpStore
from .adapters import ChannelAdapter, HttpRecordingAdapter
from .dispatcher import Dispatcher
from .tracker import RasaTracker


def channel_adapters(settings: Settings, inbox: InboxStore | None, clock: Clock) -> dict[Channel, ChannelAdapter]:
    ch = settings.channels
    if ch.recording_url:
        return {c: HttpRecordingAdapter(c, ch.recording_url) for c in (Channel.WEB, Channel.TELEGRAM, Channel.SLACK)}
    adapters: dict[Channel, ChannelAdapter] = {}
    if inbox is not None:
        from .web_adapter import WebInboxAdapter

        adapters[Channel.WEB] = WebInboxAdapter(inbox, clock)
    if ch.telegram_token:
        from .telegram_adapter import TelegramAdapter

        adapters[Channel.TELEGRAM] = TelegramAdapter(ch.telegram_token, ch.telegram_base_url)
    if ch.slack_token:
        from .slack_adapter import SlackAdapter

        adapters[Channel.SLACK] = SlackAdapter(ch.slack_token, ch.slack_base_url)
    return adapters


def build_dispatcher(settings: Settings, store: FollowUpStore, clock: Clock, inbox: InboxStore | None, *,
                     batch_size: int = 200, tracker: bool = True, metrics: Metrics = NO_METRICS) -> Dispatcher:
    """A dispatcher on the configured channels; it appends what it sends to the Rasa conversation when
    RASA_TOKEN is known (without it, follow-ups still go out but replies lack their context)."""
    sink = RasaTracker(settings.rasa_url, settings.rasa_token) if tracker and settings.rasa_token else None
    return Dispatcher(store=store, adapters=channel_adapters(settings, inbox, clock), plan=settings.plan,
                      business=settings.business, clock=clock, tracker=sink, batch_size=batch_size,
                      metrics=metrics)
