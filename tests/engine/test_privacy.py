"""GDPR export/erase, the audit log and retention, on SQLite and the running PostgreSQL, with Rasa's own
tracker store and SQL event broker writing the conversation tables."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert, select

from nurture_engine.api import create_app
from nurture_engine.clock import FrozenClock
from nurture_engine.config import Retention
from nurture_engine.domain import Channel, ConsentStatus, ProfileField
from nurture_engine.errors import ConfigError, LeadNotFound
from nurture_engine.privacy import Privacy
from nurture_engine.rasa_stores import RasaBrokerEvents, RasaTrackerEvents
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store import tables as t
from nurture_engine.store.alerts_sql import sales_alerts
from nurture_engine.store.inbox_sql import web_inbox
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.store.sql_privacy import SqlPrivacyStore, audit_log
from nurture_engine.testing import T0, test_settings

EMAIL, NAME, PHONE, COMPANY = "ana.privacy@globex.example", "Ana Quintero", "+44 20 7946 0958", "Globex"
PERSONAL = (EMAIL, NAME, "7946 0958", "79460958")
ANA = Conversation(channel=Channel.WEB, sender_id="web-ana-1")
BOB = Conversation(channel=Channel.REST, sender_id="rest-bob-1")
OLD = T0 - timedelta(days=200)
TOKEN = "admin-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class World:
    service: NurtureService
    store: SqlLeadStore
    privacy: Privacy
    clock: FrozenClock
    urls: dict[str, str]


async def rasa_conversation(urls: dict[str, str], sender: str, texts: list[tuple[str, datetime]]) -> None:
    """Writes a conversation the way Rasa does: its SQL tracker store and its SQL event broker."""
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = []
    for text, at in texts:
        events += [UserUttered(text, {"name": "inform"}, timestamp=at.timestamp(), input_channel="socketio"),
                   BotUttered(f"Thanks, {text}", timestamp=at.timestamp() + 1)]
    store = SQLTrackerStore(host=urls["tracker"])
    await store.save(DialogueStateTracker.from_events(sender, events))
    store.engine.dispose()
    broker = SQLEventBroker(host=urls["events"])
    for event in events:
        broker.publish({**event.as_dict(), "sender_id": sender})
    broker.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def urls(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        out = {name: f"sqlite:///{tmp_path / f'{name}.db'}" for name in ("leads", "tracker", "events")}
    else:
        make: Callable[[str], str] = request.getfixturevalue("pg_database_factory")
        out = {name: make(f"nurture_privacy_{name}") for name in ("leads", "tracker", "events")}
    upgrade(out["leads"])
    await rasa_conversation(out, ANA.sender_id, [(f"my email is {EMAIL}", OLD), (f"I'm {NAME}, call {PHONE}", T0)])
    await rasa_conversation(out, BOB.sender_id, [("bob@initech.example", T0)])
    return out


def build_privacy(urls: dict[str, str], clock: FrozenClock, tracker_url: str | None = None) -> Privacy:
    return Privacy(leads=SqlPrivacyStore(urls["leads"]), clock=clock,
                   conversations=[RasaTrackerEvents(tracker_url or urls["tracker"]), RasaBrokerEvents(urls["events"])])


async def seed(service: NurtureService, store: SqlLeadStore, clock: FrozenClock) -> str:
    clock.set(OLD)
    await service.record_answers(ANA, {ProfileField.EMAIL: EMAIL, ProfileField.COMPANY: COMPANY})
    await service.set_consent(ANA, ConsentStatus.OPTED_IN, "START")
    clock.set(T0)
    await service.record_answers(ANA, {ProfileField.NAME: NAME, ProfileField.PHONE: PHONE})
    await service.record_answers(BOB, {ProfileField.EMAIL: "bob@initech.example"})
    lead = await service.lead_for(ANA)
    async with store.engine.begin() as conn:  # a follow-up, an inbox message and a sales alert about Ana
        await conn.execute(insert(t.enrollments).values(id="enr-ana", lead_id=lead.id, sequence="welcome_drip",
                                                        variant="a", active=True, entered_at=T0))
        await conn.execute(insert(t.followups).values(
            id="fu-ana", lead_id=lead.id, enrollment_id="enr-ana", sequence="welcome_drip", step="welcome",
            variant="a", channel="web", sender_id=ANA.sender_id, status="scheduled", due_at=T0 + timedelta(hours=1),
            text=f"Hi {NAME}!"))
        await conn.execute(insert(web_inbox).values(id="in-ana", session_id=ANA.sender_id, text=f"Hi {NAME}!",
                                                    buttons=[], created_at=T0))
        await conn.execute(insert(sales_alerts).values(
            id="al-ana", lead_id=lead.id, trigger="sql", stage="sql", score=75.0, context={"email": EMAIL},
            status="open", created_at=T0))
    return lead.id


@pytest.fixture
async def world(urls: dict[str, str]) -> AsyncIterator[World]:
    clock = FrozenClock(T0)
    store = SqlLeadStore(urls["leads"])
    service = NurtureService(store=store, clock=clock, settings=test_settings())
    privacy = build_privacy(urls, clock)
    await service.start()
    await privacy.start()
    yield World(service=service, store=store, privacy=privacy, clock=clock, urls=urls)
    await privacy.stop()
    await service.stop()


def mentions(data: Any, needles: tuple[str, ...] = PERSONAL) -> list[str]:
    text = json.dumps(data, default=str)
    return [n for n in needles if n in text]


async def test_export_holds_everything_about_the_lead_with_aware_times(world: World) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    record = json.loads(json.dumps(await world.privacy.export(lead_id, actor="test")))
    assert record["lead"]["id"] == lead_id and record["lead"]["consent_status"] == "opted_in"
    profile = {p["field"]: p for p in record["profile"]}
    assert profile["email"]["value"] == EMAIL and profile["email"]["conversation_id"] == ANA.sender_id
    assert profile["name"]["raw"] == NAME and profile["phone"]["raw"] == PHONE
    assert datetime.fromisoformat(profile["email"]["at"]) == OLD  # provenance, with its offset
    assert record["identities"][0]["sender_id"] == ANA.sender_id
    assert [c["status"] for c in record["consent_ledger"]] == ["opted_in"]
    assert {i["kind"] for i in record["interactions"]} == {"profile"}
    assert [f["text"] for f in record["followups"]] == [f"Hi {NAME}!"] and record["enrollments"]
    assert [m["id"] for m in record["web_inbox"]] == ["in-ana"]
    assert record["sales_alerts"][0]["context"]["email"] == EMAIL
    texts = [e["event"].get("text") for e in record["tracker_store"] if e["type_name"] == "user"]
    assert texts == [f"my email is {EMAIL}", f"I'm {NAME}, call {PHONE}"]
    assert all(datetime.fromisoformat(e["at"]).tzinfo is not None for e in record["tracker_store"])
    assert len(record["event_broker"]) == 4 and all(e["sender_id"] == ANA.sender_id for e in record["event_broker"])
    assert "bob@initech.example" not in json.dumps(record)
    audit = await world.privacy.audit_for(lead_id)
    assert [(a.action, a.outcome, a.actor) for a in audit] == [("export", "done", "test")]
    assert audit[0].counts["tracker_store.events"] == 4 and not mentions(audit[0].to_json())


async def test_erase_removes_the_lead_everywhere_and_audits_without_personal_data(world: World) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    report = await world.privacy.erase(lead_id, actor="test")
    assert report.complete and not report.failed
    assert report.counts["lead_store.leads"] == 1 and report.counts["tracker_store.events"] == 4
    assert report.counts["event_broker.events"] == 4 and report.counts["lead_store.web_inbox"] == 1
    with pytest.raises(LeadNotFound):
        await world.service.get_lead(lead_id)
    assert await world.service.lookup(ANA) is None
    assert (await world.service.lookup(BOB)) is not None  # someone else's data stays
    for store in (RasaTrackerEvents(world.urls["tracker"]), RasaBrokerEvents(world.urls["events"])):
        await store.start()
        assert await store.events_for([ANA.sender_id]) == [] and await store.events_for([BOB.sender_id])
        await store.stop()
    async with world.store.engine.connect() as conn:
        for table in (t.followups, t.enrollments, web_inbox, sales_alerts, t.interactions, t.profile_fields):
            assert not mentions([dict(r._mapping) for r in (await conn.execute(select(table))).all()]), table.name
        entries = [dict(r._mapping) for r in (await conn.execute(select(audit_log))).all()]
    assert [(e["action"], e["lead_id"], e["outcome"]) for e in entries] == [("erase", lead_id, "erased")]
    if world.urls["leads"].startswith("sqlite:///"):  # not even in the files' free pages
        for url in world.urls.values():
            raw = await asyncio.to_thread(Path(url.removeprefix("sqlite:///")).read_bytes)
            assert EMAIL.encode() not in raw and NAME.encode() not in raw, url
    assert not mentions(entries, (*PERSONAL, ANA.sender_id, COMPANY))
    again = await world.privacy.erase(lead_id, actor="test")  # idempotent
    assert again.complete and again.already_erased_at == T0
    with pytest.raises(LeadNotFound):
        await world.privacy.erase("no-such-lead", actor="test")
    with pytest.raises(LeadNotFound):
        await world.privacy.export(lead_id, actor="test")


async def test_an_unreachable_store_fails_loudly_keeps_the_lead_and_a_retry_finishes(world: World) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    broken = build_privacy(world.urls, world.clock, tracker_url="postgresql://nurture@127.0.0.1:9/nowhere")
    await broken.start()
    report = await broken.erase(lead_id, actor="test")
    await broken.stop()
    assert not report.complete and set(report.failed) == {"tracker_store"}
    assert (await world.service.get_lead(lead_id)).id == lead_id  # kept: a retry can find its conversations
    audit = await world.privacy.audit_for(lead_id)
    assert [(a.outcome, a.failed) for a in audit] == [("failed", ("tracker_store",))]
    retry = await world.privacy.erase(lead_id, actor="test")
    assert retry.complete and retry.counts["tracker_store.events"] == 4
    assert retry.counts["event_broker.events"] == 0  # erased by the first attempt
    with pytest.raises(LeadNotFound):
        await world.service.get_lead(lead_id)


async def test_retention_deletes_old_conversations_but_keeps_profile_and_consent(world: World) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    world.clock.set(T0 + timedelta(days=10))  # OLD is 210 days back, T0 10 days
    counts = await world.privacy.retention(180)
    assert counts == {"tracker_store.events": 2, "event_broker.events": 2, "lead_store.interactions": 1}
    record = await world.privacy.export(lead_id, actor="test")
    assert [e["event"]["text"] for e in record["tracker_store"] if e["type_name"] == "user"] == [
        f"I'm {NAME}, call {PHONE}"]
    assert len(record["event_broker"]) == 2 and len(record["interactions"]) == 1
    assert {p["field"] for p in record["profile"]} == {"email", "company", "name", "phone"}
    assert [c["status"] for c in record["consent_ledger"]] == ["opted_in"]
    assert await world.privacy.retention(180) == {"tracker_store.events": 0, "event_broker.events": 0,
                                                  "lead_store.interactions": 0}
    assert await world.privacy.retention(0) == {}  # off


async def test_rasa_stores_that_do_not_exist_yet_hold_nothing(tmp_path: Path) -> None:
    for store in (RasaTrackerEvents(f"sqlite:///{tmp_path / 'none.db'}"),
                  RasaBrokerEvents(f"sqlite:///{tmp_path / 'none.db'}")):
        await store.start()
        assert await store.events_for(["x"]) == [] and await store.erase(["x"]) == 0 and await store.prune(T0) == 0
        assert not isinstance(store, RasaTrackerEvents) or await store.events("x") == []
        await store.stop()
    assert not (tmp_path / "none.db").exists()


async def test_transcripts_are_read_from_the_tracker_store_and_reading_creates_nothing(world: World) -> None:
    tracker = RasaTrackerEvents(world.urls["tracker"])
    await tracker.start()
    try:
        events = await tracker.events(ANA.sender_id)
        texts = [e.get("text") for e in events if e.get("event") in ("user", "bot")]
        assert texts == [f"my email is {EMAIL}", f"Thanks, my email is {EMAIL}", f"I'm {NAME}, call {PHONE}",
                         f"Thanks, I'm {NAME}, call {PHONE}"]
        before = len(await tracker.events_for([ANA.sender_id, BOB.sender_id, "erased-1"]))
        assert await tracker.events("erased-1") == []  # Rasa's own API would have stored a new tracker for it
        assert len(await tracker.events_for([ANA.sender_id, BOB.sender_id, "erased-1"])) == before
    finally:
        await tracker.stop()


async def test_api_export_and_erase(world: World) -> None:
    lead_id = await seed(world.service, world.store, world.clock)
    settings = test_settings(NURTURE_ADMIN_TOKEN=TOKEN)
    app = create_app(world.service, settings, manage_service=False, privacy=world.privacy)
    async with TestClient(TestServer(app)) as client:
        for method, path in (("GET", f"/api/leads/{lead_id}/export"), ("POST", f"/api/leads/{lead_id}/erase")):
            assert (await client.request(method, path)).status == 401
            assert (await client.request(method, path, headers={"Authorization": "Bearer no"})).status == 403
        resp = await client.get(f"/api/leads/{lead_id}/export", headers=AUTH)
        assert resp.status == 200 and (await resp.json())["lead"]["id"] == lead_id
        assert (await client.get("/api/leads/nope/export", headers=AUTH)).status == 404
        assert (await client.post("/api/leads/nope/erase", headers=AUTH)).status == 404
        resp = await client.post(f"/api/leads/{lead_id}/erase", headers=AUTH)
        body = await resp.json()
        assert resp.status == 200 and body["erased"] is True and body["counts"]["lead_store.leads"] == 1
        assert (await client.get(f"/api/leads/{lead_id}", headers=AUTH)).status == 404
        assert (await client.get(f"/api/leads/{lead_id}/export", headers=AUTH)).status == 404
        again = await client.post(f"/api/leads/{lead_id}/erase", headers=AUTH)
        assert again.status == 200 and "already_erased_at" in await again.json()


def test_retention_config() -> None:
    assert test_settings().retention.conversations_days >= 0
    from nurture_engine.config import _retention

    assert _retention(None) == Retention() and not Retention().enabled
    assert _retention({"conversations_days": 30}).enabled
    with pytest.raises(ConfigError, match="unknown key"):
        _retention({"conversation_days": 30})
    with pytest.raises(ConfigError, match="at least 0"):
        _retention({"conversations_days": -1})
