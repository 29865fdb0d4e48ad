"""Every route of nurture serve, enumerated from the aiohttp router (so a new route is covered without
editing this file): no token → 401, a wrong token → 403, the right one → neither. Public routes are listed
explicitly; a route that is neither listed nor protected fails the test. The action server and the Rasa HTTP
API are checked on the real stack in tests/e2e/test_fuzz.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.api import create_app
from nurture_engine.bootstrap import (
    build_alerts,
    build_inbox,
    build_privacy,
    build_service,
    build_store,
    resolve_database_url,
)
from nurture_engine.clock import SystemClock
from nurture_engine.config import load_settings
from nurture_engine.metrics import NurtureMetrics
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql_reports import SqlReportStore
from nurture_engine.testing import PROJECT_ROOT

ADMIN = "matrix-admin-token-" + "0123456789abcdef"
METRICS = "matrix-metrics-token-" + "0123456789abcdef"
SIGNING = "matrix-signing-secret-0123456789"
PUBLIC = frozenset({"/api/health", "/", "/widget.js", "/widget.css", "/static", "/dashboard", "/dashboard.js",
                    "/dashboard.css", "/api/inbox", "/api/inbox/read", "/api/visitor/telegram-link"})
"""Open by design: the landing page and assets, the dashboard shell (its data calls need the token), the
widget's inbox and deep link (the session id is the capability), and health for supervisors."""
SIGNED = frozenset({"/slack/actions"})
"""Authenticated by Slack's request signature instead of a bearer token."""


def serve_app(tmp: Path) -> web.Application:
    """The app as `nurture serve --no-worker` composes it, on a fresh SQLite database."""
    env = {"NURTURE_DATABASE_URL": f"sqlite:///{tmp / 'n.db'}", "NURTURE_EVENTS_URL": f"sqlite:///{tmp / 'e.db'}",
           "NURTURE_TRACKER_URL": f"sqlite:///{tmp / 't.db'}", "NURTURE_ADMIN_TOKEN": ADMIN,
           "NURTURE_METRICS_TOKEN": METRICS, "NURTURE_ACTION_TOKEN": "matrix-action-token-0123456789",
           "SLACK_SIGNING_SECRET": SIGNING}
    upgrade(env["NURTURE_DATABASE_URL"])
    loaded = load_settings(env=env, root=PROJECT_ROOT)
    # rate limits are tested in test_security.py; here every route is hit several times in a row
    settings = dataclasses.replace(loaded, raw={**loaded.raw, "limits": {"admin_per_ip": {"rate": 1e3, "burst": 1e4}}})
    store = build_store(settings)
    service = build_service(settings, store=store)
    clock = SystemClock()
    alerter, _ = build_alerts(settings, store, service, clock, env)
    return create_app(service, settings, inbox=build_inbox(settings), sales_alerts=alerter,
                      slack_signing_secret=SIGNING, alerts=(alerter, None),
                      reports=SqlReportStore(resolve_database_url(settings)), privacy=build_privacy(settings, clock),
                      metrics=NurtureMetrics())


def routes(app: web.Application) -> list[tuple[str, str]]:
    out = set()
    for route in app.router.routes():
        if route.method in {"HEAD", "OPTIONS"}:
            continue
        canonical = route.resource.canonical if route.resource is not None else ""
        out.add((route.method, canonical))
    return sorted(out)


def concrete(canonical: str) -> str:
    return re.sub(r"\{[^}]+\}", "0" * 32, canonical)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(serve_app(tmp_path))) as c:
        yield c


async def test_the_router_has_the_contract_routes(client: TestClient) -> None:
    found = {path for _, path in routes(client.app)}
    assert {"/api/leads", "/api/leads/lookup", "/api/leads/{lead_id}", "/api/leads/{lead_id}/export",
            "/api/leads/{lead_id}/erase", "/api/funnel", "/metrics", "/api/health"} <= found


async def test_every_protected_route_needs_the_admin_token(client: TestClient) -> None:
    checked = []
    for method, path in routes(client.app):
        if path in PUBLIC or path in SIGNED:
            continue
        url = concrete(path)
        for headers, expected in (({}, {401}), ({"Authorization": "Bearer wrong-token"}, {403}),
                                  ({"Authorization": "Basic " + ADMIN}, {401}),
                                  ({"Authorization": f"Bearer {ADMIN}x"}, {403})):
            resp = await client.request(method, url, headers=headers, json={} if method == "POST" else None)
            assert resp.status in expected, (method, path, headers, resp.status, await resp.text())
        resp = await client.request(method, url, headers={"Authorization": f"Bearer {ADMIN}"},
                                    json={} if method == "POST" else None)
        assert resp.status not in {401, 403} and resp.status < 500, (method, path, resp.status, await resp.text())
        checked.append(path)
    assert len(checked) >= 10  # the admin API, the dashboard's data calls and /metrics


async def test_the_metrics_token_opens_metrics_only(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {METRICS}"}
    assert (await client.get("/metrics", headers=auth)).status == 200
    for method, path in routes(client.app):
        if path not in PUBLIC and path not in SIGNED and path != "/metrics":
            resp = await client.request(method, concrete(path), headers=auth)
            assert resp.status == 403, (method, path, resp.status)


async def test_public_routes_answer_without_a_token(client: TestClient) -> None:
    for method, path in routes(client.app):
        if path not in PUBLIC:
            continue
        url = "/static/widget.js" if path == "/static" else path
        resp = await client.request(method, url, json={} if method == "POST" else None)
        assert resp.status not in {401, 403} and resp.status < 500, (method, path, resp.status)


async def test_slack_actions_need_a_valid_signature(client: TestClient) -> None:
    body = "payload=%7B%22type%22%3A%22block_actions%22%7D"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert (await client.post("/slack/actions", data=body, headers=headers)).status == 401
    forged = {**headers, "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=" + "0" * 64}
    assert (await client.post("/slack/actions", data=body, headers=forged)).status in {401, 403}
