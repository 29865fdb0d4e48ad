from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.api import create_app
from nurture_engine.domain import Channel, ProfileField
from nurture_engine.service import Conversation
from nurture_engine.testing import memory_service, test_settings

TOKEN = "admin-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    settings = test_settings(NURTURE_ADMIN_TOKEN=TOKEN)
    service, _, _ = memory_service(settings)
    conv = Conversation(channel=Channel.REST, sender_id="s-1")
    await service.record_answers(conv, {ProfileField.EMAIL: "Ana@Globex.com", ProfileField.ROLE: "CTO"})
    async with TestClient(TestServer(create_app(service, settings))) as c:
        yield c


async def test_health_is_public(client: TestClient) -> None:
    resp = await client.get("/api/health")
    assert resp.status == 200 and (await resp.json())["status"] == "ok"


@pytest.mark.parametrize("path", ["/api/leads", "/api/leads/lookup?channel=rest&sender_id=s-1", "/api/leads/x"])
async def test_every_admin_route_needs_the_token(client: TestClient, path: str) -> None:
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers={"Authorization": "Bearer wrong"})).status == 403
    assert (await client.get(path, headers=AUTH)).status in {200, 404}


async def test_lookup_returns_the_contract_shape(client: TestClient) -> None:
    resp = await client.get("/api/leads/lookup?channel=rest&sender_id=s-1", headers=AUTH)
    assert resp.status == 200
    lead = await resp.json()
    assert {"id", "stage", "score", "score_breakdown", "profile", "identities", "consent", "followups",
            "alerts"} <= set(lead)
    assert lead["profile"]["email"] == "ana@globex.com"
    assert lead["profile"]["role"] == {"title": "Chief Technology Officer", "seniority": "c_level"}
    assert lead["identities"] == [{"channel": "rest", "sender_id": "s-1"}]
    same = await (await client.get(f"/api/leads/{lead['id']}", headers=AUTH)).json()
    assert same["id"] == lead["id"]


@pytest.mark.parametrize(("query", "status"), [
    ("/api/leads/lookup?channel=fax&sender_id=s-1", 400),
    ("/api/leads/lookup?channel=rest", 400),
    ("/api/leads/lookup?channel=rest&sender_id=nobody", 404),
    ("/api/leads?limit=abc", 400),
    ("/api/leads?limit=100000", 400),
    ("/api/leads?stage=vip", 400),
    ("/api/leads?cursor=garbage", 400),  # an empty page until stop 30
    ("/api/leads/does-not-exist", 404),
])
async def test_bad_queries_get_precise_errors(client: TestClient, query: str, status: int) -> None:
    resp = await client.get(query, headers=AUTH)
    assert resp.status == status
    assert "error" in await resp.json()


async def test_listing(client: TestClient) -> None:
    body = await (await client.get("/api/leads?limit=10", headers=AUTH)).json()
    assert len(body["leads"]) == 1 and body["next_cursor"] is None
    assert body["leads"][0]["email"] == "ana@globex.com"


async def test_demo_page_is_served(client: TestClient) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert "/widget.js" in await resp.text()  # the landing page embeds the chat widget (tests/engine/test_inbox.py)


async def test_a_lead_lists_its_requests_and_the_time_proposed() -> None:
    """A demo request and the time proposed for it (until stop 34 that time was in the transcript only)."""
    settings = test_settings(NURTURE_ADMIN_TOKEN=TOKEN)
    service, _, _ = memory_service(settings)
    conv = Conversation(channel=Channel.REST, sender_id="s-2")
    await service.record_demo_request(conv, "human_handoff")
    await service.record_meeting_time(conv, "Thursday afternoon")
    async with TestClient(TestServer(create_app(service, settings))) as c:
        lead = await (await c.get("/api/leads/lookup?channel=rest&sender_id=s-2", headers=AUTH)).json()
    assert [(r["kind"], r["detail"], r["channel"]) for r in lead["requests"]] == [
        ("demo_request", "human_handoff", "rest"), ("meeting_time", "Thursday afternoon", "rest")]
    assert all(r["at"] for r in lead["requests"])
