"""The web inbox: one store contract on the in-memory fake, SQLite and the running PostgreSQL; the public
endpoints the widget calls; the landing page and widget assets."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.api import create_app
from nurture_engine.inbox import InboxButton, InboxMessage, InboxStore, InvalidInboxInput, new_message
from nurture_engine.store.inbox_memory import MemoryInboxStore
from nurture_engine.store.inbox_sql import SqlInboxStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.testing import T0, memory_service, test_settings

SID = "visitor_session_0001"
OTHER = "visitor_session_0002"
BUTTONS = (InboxButton(title="Book a call", payload="/request_demo"), InboxButton(title="Not now", payload="/not_now"))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def inbox(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[InboxStore]:
    if request.param == "memory":
        store: InboxStore = MemoryInboxStore()
    else:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'inbox.db'}"
        else:
            make: Callable[[], str] = request.getfixturevalue("pg_database_factory")
            url = make()
        upgrade(url)
        store = SqlInboxStore(url)
    await store.start()
    yield store
    await store.stop()


async def test_unread_messages_come_back_oldest_first_with_buttons(inbox: InboxStore) -> None:
    later = await inbox.post(new_message(SID, "second", T0 + timedelta(minutes=5)))
    first = await inbox.post(new_message(SID, "first <b>", T0, buttons=BUTTONS))
    await inbox.post(new_message(OTHER, "not yours", T0))
    got = await inbox.unread(SID)
    assert [m.id for m in got] == [first.id, later.id]
    assert got[0] == first and got[0].buttons == BUTTONS and got[0].text == "first <b>"
    assert got[0].created_at == T0 and got[0].created_at.tzinfo is not None and got[0].read_at is None


async def test_mark_read_only_touches_the_sessions_own_unread_messages(inbox: InboxStore) -> None:
    mine = await inbox.post(new_message(SID, "hello", T0))
    theirs = await inbox.post(new_message(OTHER, "hello", T0))
    assert await inbox.mark_read(SID, [mine.id, theirs.id, "no-such-id"], T0 + timedelta(seconds=1)) == 1
    assert await inbox.unread(SID) == []
    assert [m.id for m in await inbox.unread(OTHER)] == [theirs.id]
    assert await inbox.mark_read(SID, [mine.id], T0 + timedelta(seconds=2)) == 0  # already read
    assert await inbox.mark_read(SID, [], T0) == 0


async def test_post_is_idempotent_on_the_message_id(inbox: InboxStore) -> None:
    stored = await inbox.post(new_message(SID, "once", T0, message_id="followup-42:1"))
    again = await inbox.post(new_message(SID, "a retried send", T0 + timedelta(hours=1), message_id="followup-42:1"))
    assert again == stored and again.text == "once"
    assert [m.text for m in await inbox.unread(SID)] == ["once"]


async def test_unread_is_limited_and_erase_removes_the_session(inbox: InboxStore) -> None:
    for i in range(7):
        await inbox.post(new_message(SID, f"m{i}", T0 + timedelta(seconds=i)))
    await inbox.post(new_message(OTHER, "kept", T0))
    assert [m.text for m in await inbox.unread(SID, limit=3)] == ["m0", "m1", "m2"]
    assert await inbox.erase_session(SID) == 7
    assert await inbox.unread(SID) == []
    assert len(await inbox.unread(OTHER)) == 1


async def test_stores_refuse_bad_session_ids(inbox: InboxStore) -> None:
    with pytest.raises(InvalidInboxInput):
        await inbox.unread("short")
    with pytest.raises(InvalidInboxInput):
        await inbox.mark_read("has spaces in it, too", ["x"], T0)


def test_messages_validate_themselves() -> None:
    with pytest.raises(InvalidInboxInput, match="session_id"):
        new_message("x" * 15, "hi", T0)
    with pytest.raises(InvalidInboxInput, match="characters of text"):
        new_message(SID, "", T0)
    with pytest.raises(InvalidInboxInput, match="characters of text"):
        new_message(SID, "x" * 4001, T0)
    with pytest.raises(InvalidInboxInput, match="at most 10 buttons"):
        new_message(SID, "hi", T0, buttons=[InboxButton(title="b", payload="p")] * 11)
    with pytest.raises(InvalidInboxInput, match="button title"):
        InboxButton(title="", payload="p")
    with pytest.raises(ValueError, match="naive"):
        new_message(SID, "hi", T0.replace(tzinfo=None))
    message = new_message(SID, "hi", T0)
    with pytest.raises(ValueError, match="naive"):
        dataclasses.replace(message, read_at=T0.replace(tzinfo=None))
    assert isinstance(message, InboxMessage) and len(message.id) == 32


# ---------- the public endpoints and the landing page ----------

@pytest.fixture
async def client() -> AsyncIterator[tuple[TestClient, MemoryInboxStore]]:
    settings = test_settings(NURTURE_ADMIN_TOKEN="admin-secret", NURTURE_RASA_URL="http://127.0.0.1:5999")
    service, _, _ = memory_service(settings)
    store = MemoryInboxStore()
    async with TestClient(TestServer(create_app(service, settings, inbox=store))) as c:
        yield c, store


async def test_the_widget_reads_and_acknowledges_its_inbox(client: tuple[TestClient, MemoryInboxStore]) -> None:
    c, store = client
    posted = await store.post(new_message(SID, "We saved your guide", T0, buttons=BUTTONS))
    resp = await c.get(f"/api/inbox?session_id={SID}")  # public: no bearer token
    assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
    body = await resp.json()
    assert body == {"messages": [{"id": posted.id, "text": "We saved your guide", "created_at": T0.isoformat(),
                                  "buttons": [{"title": "Book a call", "payload": "/request_demo"},
                                              {"title": "Not now", "payload": "/not_now"}]}]}
    resp = await c.post("/api/inbox/read", json={"session_id": SID, "ids": [posted.id]})
    assert resp.status == 200 and await resp.json() == {"marked": 1}
    assert store.messages[posted.id].read_at == T0  # the service's clock
    assert (await (await c.get(f"/api/inbox?session_id={SID}")).json()) == {"messages": []}
    preflight = await c.options("/api/inbox/read", headers={"Origin": "https://example.com",
                                                            "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(("query", "error"), [
    ("", "session_id is required"),
    ("?session_id=short", "session_id must be 16 to 128 characters"),
    ("?session_id=" + "a" * 129, "session_id must be 16 to 128 characters"),
    ("?session_id=abcdefgh%20ijklmnopq", "session_id must be 16 to 128 characters"),
])
async def test_bad_inbox_queries_get_400(client: tuple[TestClient, MemoryInboxStore], query: str, error: str) -> None:
    resp = await client[0].get("/api/inbox" + query)
    assert resp.status == 400 and error in (await resp.json())["error"]


@pytest.mark.parametrize(("body", "error"), [
    (b"{not json", "the body must be JSON"),
    (b"[1, 2]", "the body must be a JSON object"),
    (json.dumps({"ids": ["a"]}).encode(), "session_id is required"),
    (json.dumps({"session_id": 42, "ids": ["a"]}).encode(), "session_id must be"),
    (json.dumps({"session_id": SID}).encode(), "ids must be a list of 1 to 100"),
    (json.dumps({"session_id": SID, "ids": []}).encode(), "ids must be a list of 1 to 100"),
    (json.dumps({"session_id": SID, "ids": ["a"] * 101}).encode(), "ids must be a list of 1 to 100"),
    (json.dumps({"session_id": SID, "ids": [7]}).encode(), "a message id must be"),
    (json.dumps({"session_id": SID, "ids": ["<script>"]}).encode(), "a message id must be"),
])
async def test_bad_read_requests_get_400(client: tuple[TestClient, MemoryInboxStore], body: bytes, error: str) -> None:
    resp = await client[0].post("/api/inbox/read", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400 and error in (await resp.json())["error"]


async def test_an_oversized_read_request_gets_413(client: tuple[TestClient, MemoryInboxStore]) -> None:
    resp = await client[0].post("/api/inbox/read", data=b"x" * (17 * 1024))
    assert resp.status == 413 and "too large" in (await resp.json())["error"]


async def test_the_landing_page_embeds_the_widget_with_the_rasa_url(
        client: tuple[TestClient, MemoryInboxStore]) -> None:
    resp = await client[0].get("/")
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    business = test_settings().business
    assert '<script src="/widget.js" defer></script>' in page
    assert 'rasaUrl: "http://127.0.0.1:5999"' in page and f'title: "{business.company}"' in page
    assert business.product in page and "{{" not in page
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in csp and "ws://127.0.0.1:5999" in csp and "'unsafe-inline'" not in (
        csp.split("script-src", 1)[1].split(";", 1)[0])


@pytest.mark.parametrize(("path", "content_type", "marker"), [
    ("/widget.js", "text/javascript", "session_request"),
    ("/widget.css", "text/css", ".nw-root"),
])
async def test_widget_assets_have_their_content_types(client: tuple[TestClient, MemoryInboxStore], path: str,
                                                      content_type: str, marker: str) -> None:
    resp = await client[0].get(path)
    assert resp.status == 200 and resp.content_type == content_type and resp.charset == "utf-8"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert marker in await resp.text()


def test_script_json_cannot_break_out_of_a_script_element() -> None:
    from nurture_engine.api.widget_routes import render_page, script_json

    assert script_json("</script><!--&") == '"\\u003c/script\\u003e\\u003c!--\\u0026"'
    with pytest.raises(KeyError, match="unknown placeholder"):
        render_page("{{nope}}", {})
