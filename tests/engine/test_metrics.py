"""The Prometheus registry, GET /metrics (auth, format), and what the engine counts at its call sites."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.alerts import SalesAlerter
from nurture_engine.alerts_model import AlertAction, AlertClick
from nurture_engine.api import create_app
from nurture_engine.broker_read import BrokerRow, row_of
from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, Identity
from nurture_engine.events import EventConsumer
from nurture_engine.metrics import CONTENT_TYPE, NurtureMetrics, Registry, parse_text
from nurture_engine.scheduler.adapters import RecordingAdapter, SendFailed
from nurture_engine.scheduler.dispatcher import Dispatcher
from nurture_engine.service import NurtureService
from nurture_engine.store.alerts_memory import MemoryAlertStore, RecordingLeadActions
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.testing import T0, memory_service, test_settings

from ..scheduler.conftest import said
from .test_alerts import ctx

ADMIN = "metrics-admin-token-0123456789"
SCRAPER = "metrics-scrape-token-0123456789"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(name, tuple(sorted(labels.items()))): value for name, labels, value in parse_text(body)}


def test_counters_and_histograms_render_the_text_format() -> None:
    r = Registry()
    c = r.counter("jobs_total", "Jobs done", ("kind",))
    h = r.histogram("latency_seconds", "Latency", ("route",), buckets=(0.1, 1.0))
    c.inc(kind='we"ird\nname')
    c.inc(2, kind="plain")
    for v in (0.05, 0.1, 0.5, 3.0):
        h.observe(v, route="/a")
    body = r.render()
    assert "# TYPE jobs_total counter" in body and "# TYPE latency_seconds histogram" in body
    assert 'jobs_total{kind="we\\"ird\\nname"} 1' in body
    got = samples(body)
    assert got[("jobs_total", (("kind", "plain"),))] == 2
    assert got[("latency_seconds_bucket", (("le", "0.1"), ("route", "/a")))] == 2  # le is inclusive
    assert got[("latency_seconds_bucket", (("le", "1"), ("route", "/a")))] == 3
    assert got[("latency_seconds_bucket", (("le", "+Inf"), ("route", "/a")))] == 4
    assert got[("latency_seconds_count", (("route", "/a"),))] == 4
    assert got[("latency_seconds_sum", (("route", "/a"),))] == pytest.approx(3.65)


def test_the_registry_refuses_bad_names_labels_and_decrements() -> None:
    r = Registry()
    c = r.counter("ok_total", "x", ("a",))
    with pytest.raises(ValueError, match="already registered"):
        r.counter("ok_total", "x")
    with pytest.raises(ValueError):
        r.counter("bad name", "x")
    with pytest.raises(ValueError, match="takes labels"):
        c.inc(b="1")
    with pytest.raises(ValueError, match="only goes up"):
        c.inc(-1, a="1")


@pytest.fixture
async def client() -> AsyncIterator[tuple[TestClient, NurtureMetrics]]:
    settings = test_settings(NURTURE_ADMIN_TOKEN=ADMIN, NURTURE_METRICS_TOKEN=SCRAPER)
    service, _, _ = memory_service(settings)
    metrics = NurtureMetrics()
    async with TestClient(TestServer(create_app(service, settings, metrics=metrics))) as c:
        yield c, metrics


async def test_metrics_needs_the_metrics_or_the_admin_token(client: tuple[TestClient, NurtureMetrics]) -> None:
    c, _ = client
    assert (await c.get("/metrics")).status == 401
    assert (await c.get("/metrics", headers={"Authorization": "Bearer nope"})).status == 403
    assert (await c.get("/metrics", headers={"Authorization": f"Bearer {SCRAPER}x"})).status == 403
    for token in (ADMIN, SCRAPER):
        resp = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200 and resp.headers["Content-Type"] == CONTENT_TYPE
    # the scrape token opens nothing else
    assert (await c.get("/api/leads", headers={"Authorization": f"Bearer {SCRAPER}"})).status == 403


async def test_request_latency_is_recorded_per_route_template_and_status(
        client: tuple[TestClient, NurtureMetrics]) -> None:
    c, _ = client
    auth = {"Authorization": f"Bearer {ADMIN}"}
    for lead_id in ("a" * 32, "b" * 32):
        assert (await c.get(f"/api/leads/{lead_id}", headers=auth)).status == 404
    assert (await c.get("/api/health")).status == 200
    assert (await c.get("/no/such/page")).status == 404
    body = await (await c.get("/metrics", headers=auth)).text()
    got = samples(body)
    key = "nurture_http_request_duration_seconds_count"
    assert got[(key, (("method", "GET"), ("route", "/api/leads/{lead_id}"), ("status", "404")))] == 2
    assert got[(key, (("method", "GET"), ("route", "/api/health"), ("status", "200")))] == 1
    assert got[(key, (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    assert not any("a" * 32 in str(k) for k in got)  # no raw ids as label values


class ListSource:
    name = "list"

    def __init__(self, rows: Sequence[BrokerRow]) -> None:
        self.rows = list(rows)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def fetch(self, after: int, limit: int) -> Sequence[BrokerRow]:
        return [r for r in self.rows if r.position > after][:limit]


async def test_the_consumer_counts_messages_in_and_out_per_channel_and_score_updates() -> None:
    service, _, _ = memory_service()
    metrics = NurtureMetrics()
    events = [{"event": "user", "sender_id": "w1", "timestamp": 1_790_000_000, "text": "price?",
               "input_channel": "socketio", "parse_data": {"intent": {"name": "ask_pricing"}}},
              {"event": "bot", "sender_id": "w1", "timestamp": 1_790_000_001, "text": "$49"},
              {"event": "user", "sender_id": "t1", "timestamp": 1_790_000_002, "text": "hi",
               "input_channel": "telegram", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "slot", "sender_id": "w1", "name": "x", "value": 1}]
    consumer = EventConsumer(ListSource([row_of(i + 1, e) for i, e in enumerate(events)]),
                             service, metrics=metrics)
    await service.start()
    await consumer.start()
    assert await consumer.drain() == 4
    got = samples(metrics.render())
    assert got[("nurture_messages_total", (("channel", "web"), ("direction", "in")))] == 1
    assert got[("nurture_messages_total", (("channel", "web"), ("direction", "out")))] == 1
    assert got[("nurture_messages_total", (("channel", "telegram"), ("direction", "in")))] == 1
    assert got[("nurture_score_updates_total", ())] == 3


async def test_the_dispatcher_counts_sent_retried_and_dead_follow_ups_per_channel() -> None:
    settings = test_settings()
    clock = FrozenClock(T0)
    store = MemoryLeadStore()
    service = NurtureService(store=store, clock=clock, settings=settings)
    metrics = NurtureMetrics()
    telegram = RecordingAdapter(Channel.TELEGRAM)
    dispatcher = Dispatcher(store=store, adapters={Channel.TELEGRAM: telegram}, plan=settings.plan,
                            business=settings.business, clock=clock, metrics=metrics)
    for n, sender in enumerate(("41", "42")):
        await service.ingest([said(Identity(channel=Channel.TELEGRAM, sender_id=sender), "greet", T0 + n * timedelta(
            seconds=1))])
    telegram.failures = [SendFailed("flood", retryable=True), SendFailed("blocked by the user", retryable=False)]
    at = T0 + timedelta(hours=1)
    clock.set(at)
    await dispatcher.drain(at)
    got = samples(metrics.render())
    assert got[("nurture_followups_total", (("channel", "telegram"), ("outcome", "retry")))] == 1
    assert got[("nurture_followups_total", (("channel", "telegram"), ("outcome", "dead")))] == 1
    later = at + timedelta(hours=2)
    clock.set(later)
    await dispatcher.drain(later)
    got = samples(metrics.render())
    assert got[("nurture_followups_total", (("channel", "telegram"), ("outcome", "sent")))] >= 1


async def test_the_alerter_counts_raised_alerts_and_clicks() -> None:
    metrics = NurtureMetrics()
    alerter = SalesAlerter(store=MemoryAlertStore(), clock=FrozenClock(T0), lead_actions=RecordingLeadActions(),
                           metrics=metrics)
    await alerter.start()
    alert = await alerter.maybe_alert(ctx())
    assert alert is not None
    assert await alerter.maybe_alert(ctx()) is None  # cooldown: not raised again
    await alerter.handle_click(AlertClick(action=AlertAction.CLAIM, alert_id=alert.id, user_id="U1"))
    got = samples(metrics.render())
    assert got[("nurture_alerts_total", (("event", "raised"),))] == 1
    assert got[("nurture_alerts_total", (("event", "clicked"),))] == 1
