"""The report routes of the admin API on the in-memory fake: auth, parameter validation, the score history's
replay, the filtered lists and funnel, the dashboard page's lockdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.api import create_app
from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, ProfileField
from nurture_engine.scheduler.adapters import RecordingAdapter
from nurture_engine.scheduler.dispatcher import Dispatcher
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.store.reports_memory import MemoryReportStore
from nurture_engine.testing import test_settings

from .test_reports import AUTH, T0, TOKEN, D, H, World, demo_with_email, tg, web

# ---------- the admin API routes, on the in-memory fake ----------

@pytest.fixture
async def api() -> AsyncIterator[tuple[TestClient, World]]:
    settings = test_settings(NURTURE_ADMIN_TOKEN=TOKEN)
    store = MemoryLeadStore()
    clock = FrozenClock(T0)
    service = NurtureService(store=store, clock=clock, settings=settings)
    reports = MemoryReportStore(store)
    telegram = RecordingAdapter(Channel.TELEGRAM)
    w = World(store=store, reports=reports, service=service, clock=clock, telegram=telegram,
              dispatcher=Dispatcher(store=store, adapters={Channel.TELEGRAM: telegram}, plan=settings.plan,
                                    business=settings.business, clock=clock))
    async with TestClient(TestServer(create_app(service, settings, reports=reports))) as client:
        yield client, w


ROUTES = ["/api/funnel", "/api/sequences/stats", "/api/leads/x/score-history", "/api/leads/x/consent",
          "/api/leads/x/transcript", "/api/leads?sort=score"]


@pytest.mark.parametrize("path", ROUTES)
async def test_report_routes_need_the_admin_token(api: tuple[TestClient, World], path: str) -> None:
    client, _ = api
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers={"Authorization": "Bearer wrong"})).status == 403
    assert (await client.get(path, headers=AUTH)).status in {200, 404, 503}


@pytest.mark.parametrize(("path", "message"), [
    ("/api/funnel?weeks=0", "weeks must be between 1 and 104"),
    ("/api/funnel?weeks=many", "weeks must be an integer"),
    ("/api/funnel?channel=fax", "unknown channel 'fax'"),
    ("/api/sequences/stats?sequence=nope", "unknown sequence 'nope'"),
    ("/api/leads?sort=name", "unknown sort 'name'"),
    ("/api/leads?sort=score&limit=500", "limit must be between 1 and 200"),
    ("/api/leads?sort=score&cursor=-1", "cursor must be between 0"),
    ("/api/leads?channel=web&stage=hot", "unknown stage 'hot'"),
])
async def test_report_routes_refuse_bad_parameters(api: tuple[TestClient, World], path: str, message: str) -> None:
    client, _ = api
    resp = await client.get(path, headers=AUTH)
    assert resp.status == 400
    assert message in (await resp.json())["error"]


async def get(client: TestClient, path: str) -> Any:
    resp = await client.get(path, headers=AUTH)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_score_history_replays_to_the_current_score(api: tuple[TestClient, World]) -> None:
    client, w = api
    await w.talk(tg(1), "greet", T0)
    await w.talk(tg(1), "ask_pricing", T0 + 2 * H)
    w.clock.set(T0 + 3 * H)
    conv = Conversation(channel=Channel.TELEGRAM, sender_id="tg-1")
    await w.service.record_answers(conv, {ProfileField.ROLE: "VP of Sales", ProfileField.COMPANY_SIZE: "300 people"})
    lead_id = await w.talk(tg(1), "request_demo", T0 + 5 * H)
    w.clock.set(T0 + 2 * D)
    lead = await get(client, f"/api/leads/{lead_id}")
    history = await get(client, f"/api/leads/{lead_id}/score-history")
    points = history["points"]
    assert history["score"] == pytest.approx(lead["score"], abs=0.05)
    assert points[-1]["at"] == (T0 + 2 * D).isoformat()
    assert [p["at"] for p in points[:-1]] == sorted(p["at"] for p in points[:-1])
    first_signals = {s for p in points for s in p["signals"]}
    assert {"reply", "ask_pricing", "fit_role", "request_demo"} <= first_signals
    scores = [p["score"] for p in points[:-1]]
    assert scores == sorted(scores)  # every event added points (decay over hours is small)
    assert [s["stage"] for s in history["stages"]] == [h["stage"] for h in lead["stage_history"]]
    consent = await get(client, f"/api/leads/{lead_id}/consent")
    assert consent["current"]["status"] == "unknown" and consent["ledger"] == []
    assert (await client.get("/api/leads/nope/score-history", headers=AUTH)).status == 404
    transcript = await get(client, f"/api/leads/{lead_id}/transcript")  # read from the tracker store, read-only:
    assert transcript["messages"] == [] and transcript["unavailable"] == []  # this world's Rasa wrote nothing


async def test_filtered_list_and_funnel_routes(api: tuple[TestClient, World]) -> None:
    client, w = api
    await w.talk(tg(1), "greet", T0)
    w.clock.set(T0 + H)
    hot = await demo_with_email(w, web(2), "kim@initech.io", T0 + H)
    body = await get(client, "/api/leads?sort=score&limit=1")
    assert [x["id"] for x in body["leads"]] == [hot] and body["next_cursor"] == "1"
    assert body["leads"][0]["email"] == "kim@initech.io" and body["leads"][0]["channels"] == ["web"]
    body = await get(client, "/api/leads?sort=score&limit=1&cursor=1")
    assert len(body["leads"]) == 1 and body["next_cursor"] is None
    assert [x["id"] for x in (await get(client, "/api/leads?channel=web"))["leads"]] == [hot]
    plain = await get(client, "/api/leads")  # without channel or sort: the original listing
    assert len(plain["leads"]) == 2
    funnel_body = await get(client, "/api/funnel?weeks=1")
    assert funnel_body["totals"]["new"] == 2 and funnel_body["totals"]["sql"] == 1
    web_only = await get(client, "/api/funnel?weeks=1&channel=web")
    assert web_only["totals"]["new"] == 1 and web_only["channel"] == "web"
    stats = await get(client, "/api/sequences/stats?sequence=welcome_drip")
    assert [s["sequence"] for s in stats["sequences"]] == ["welcome_drip"]


async def test_dashboard_page_is_public_and_locked_down(api: tuple[TestClient, World]) -> None:
    client, _ = api
    resp = await client.get("/dashboard")
    assert resp.status == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    text = await resp.text()
    assert '<script src="/dashboard.js"' in text and "cdn" not in text.lower()
    js = await client.get("/dashboard.js")
    source = await js.text()
    assert js.status == 200 and "innerHTML =" not in source and "insertAdjacentHTML" not in source
