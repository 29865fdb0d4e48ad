"""Deep links: signed payloads, the merge of a Telegram chat into a web visitor's lead, the session-start
action that does it before the profile is loaded, and the public route the widget asks for a link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.events import SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.session import ActionSessionStart
from nurture_engine.api import create_app
from nurture_engine.domain import Channel, Identity, ProfileField
from nurture_engine.linking import MAX_PAYLOAD, LinkError, link_payload, verify_link_payload
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.testing import memory_service, test_settings

SECRET = "action-token-for-tests"
WEB = Conversation(channel=Channel.WEB, sender_id="0f1e2d3c4b5a69788796a5b4c3d2e1f0")
TELEGRAM = Conversation(channel=Channel.TELEGRAM, sender_id="4242")
SAFE = re.compile(r"[A-Za-z0-9_-]+")


# -- payloads ------------------------------------------------------------------------------------------
def test_a_payload_round_trips_and_fits_telegram() -> None:
    payload = link_payload(SECRET, WEB.sender_id)
    assert len(payload) <= MAX_PAYLOAD and SAFE.fullmatch(payload)
    assert verify_link_payload(SECRET, payload) == WEB.sender_id


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", min_size=1,
               max_size=48))
def test_any_session_id_of_the_safe_alphabet_round_trips(sender: str) -> None:
    payload = link_payload(SECRET, sender)
    assert len(payload) <= 64 and SAFE.fullmatch(payload)
    assert verify_link_payload(SECRET, payload) == sender


def test_tampered_truncated_or_foreign_payloads_are_refused() -> None:
    payload = link_payload(SECRET, "visitor-1")
    other = link_payload(SECRET, "visitor-2")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (flipped, payload[:-1], "visitor-2" + payload[len("visitor-1"):], other[:9] + payload[9:], "",
                "x" * 65, payload + "!", "visitor-1"):
        assert verify_link_payload(SECRET, bad) is None, bad
    assert verify_link_payload("another-token", payload) is None
    assert verify_link_payload("", payload) is None


@pytest.mark.parametrize("sender", ["", "a" * 49, "has space", "dot.ted", "ünï"])
def test_session_ids_that_cannot_be_linked(sender: str) -> None:
    with pytest.raises(LinkError):
        link_payload(SECRET, sender)


# -- the service ---------------------------------------------------------------------------------------
@pytest.fixture
def svc() -> Iterator[tuple[NurtureService, MemoryLeadStore]]:
    service, store, _ = memory_service(test_settings(NURTURE_ACTION_TOKEN=SECRET))
    runtime.install_service(service)
    yield service, store
    runtime.install_service(None)


async def qualify_on_web(service: NurtureService) -> str:
    await service.record_answers(WEB, {ProfileField.USE_CASE: "forecast our pipeline",
                                       ProfileField.ROLE: "head of revops", ProfileField.COMPANY_SIZE: "450"})
    return (await service.lead_for(WEB)).id


async def test_linking_a_new_chat_joins_the_web_lead(svc: tuple[NurtureService, MemoryLeadStore]) -> None:
    service, _ = svc
    web_id = await qualify_on_web(service)
    lead = await service.redeem_link(TELEGRAM, link_payload(SECRET, WEB.sender_id))
    assert lead is not None and lead.id == web_id
    assert set(lead.identities) == {WEB.identity, TELEGRAM.identity}
    assert (await service.lookup(TELEGRAM)) == (await service.lookup(WEB))
    assert again_is_idempotent(await service.redeem_link(TELEGRAM, link_payload(SECRET, WEB.sender_id)), web_id)


def again_is_idempotent(lead: Any, lead_id: str) -> bool:
    return lead is not None and lead.id == lead_id


async def test_linking_an_existing_chat_keeps_the_richer_profile(svc: tuple[NurtureService,
                                                                              MemoryLeadStore]) -> None:
    service, store = svc
    await service.record_answers(WEB, {ProfileField.USE_CASE: "forecast our pipeline"})
    await service.record_answers(TELEGRAM, {ProfileField.ROLE: "CTO", ProfileField.COMPANY_SIZE: "80",
                                            ProfileField.USE_CASE: "clean the CRM"})
    lead = await service.link_identity(TELEGRAM, WEB.sender_id)
    assert lead is not None and len(store.leads) == 1
    assert lead.profile[ProfileField.USE_CASE].value == "clean the CRM"  # the richer lead's own values win
    assert set(lead.identities) == {WEB.identity, TELEGRAM.identity}


async def test_invalid_payloads_and_unknown_sessions_link_nothing(svc: tuple[NurtureService,
                                                                               MemoryLeadStore]) -> None:
    service, store = svc
    await qualify_on_web(service)
    assert await service.redeem_link(TELEGRAM, link_payload("forged", WEB.sender_id)) is None
    assert await service.redeem_link(TELEGRAM, link_payload(SECRET, "never-chatted")) is None
    assert await service.lookup(TELEGRAM) is None
    assert len(store.leads) == 1


async def test_a_rest_session_can_be_linked_too(svc: tuple[NurtureService, MemoryLeadStore]) -> None:
    service, _ = svc
    rest = Conversation(channel=Channel.REST, sender_id="visitor-abc")
    await service.record_answers(rest, {ProfileField.ROLE: "CTO"})
    lead = await service.link_identity(TELEGRAM, rest.sender_id)
    assert lead is not None and Identity(channel=Channel.REST, sender_id="visitor-abc") in lead.identities


# -- action_session_start ------------------------------------------------------------------------------
def session_tracker(*, slot_metadata: dict[str, Any] | None = None, user_metadata: dict[str, Any] | None = None,
                    intent: str | None = None) -> Tracker:
    events: list[dict[str, Any]] = []
    latest: dict[str, Any] = {}
    if intent is not None:
        events.append({"event": "user", "text": f"/{intent}", "input_channel": "telegram",
                       "parse_data": {"intent": {"name": intent}}, "metadata": user_metadata or {}})
        latest = {"intent": {"name": intent}, "text": f"/{intent}", "entities": []}
    return Tracker.from_dict({"sender_id": TELEGRAM.sender_id, "events": events, "latest_message": latest,
                              "slots": {"session_started_metadata": slot_metadata}})


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_a_brand_new_chat_is_linked_from_the_session_start_metadata(
        svc: tuple[NurtureService, MemoryLeadStore]) -> None:
    service, _ = svc
    await qualify_on_web(service)
    metadata = {"input_channel": "telegram", "link_payload": link_payload(SECRET, WEB.sender_id)}
    events = await ActionSessionStart().run(CollectingDispatcher(), session_tracker(slot_metadata=metadata), {})
    assert events[0] == SessionStarted()
    assert slots(events)["use_case"] == "forecast our pipeline" and slots(events)["returning"] is True
    assert SlotSet("role", {"title": "Head of Revenue Operations", "seniority": "director"}) in events
    lead = await service.lookup(TELEGRAM)
    assert lead is not None and WEB.identity in lead.identities


async def test_an_existing_chat_is_linked_by_a_session_start_message(
        svc: tuple[NurtureService, MemoryLeadStore]) -> None:
    service, store = svc
    await service.lead_for(TELEGRAM)  # the chat talked before
    await qualify_on_web(service)
    metadata = {"input_channel": "telegram", "link_payload": link_payload(SECRET, WEB.sender_id)}
    tracker = session_tracker(user_metadata=metadata, intent="session_start")
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, {})
    assert slots(events)["returning"] is True and "company_size" in slots(events)
    assert len(store.leads) == 1


async def test_a_payload_of_an_earlier_session_is_not_replayed(svc: tuple[NurtureService, MemoryLeadStore]) -> None:
    service, _ = svc
    await qualify_on_web(service)
    metadata = {"input_channel": "telegram", "link_payload": link_payload(SECRET, WEB.sender_id)}
    tracker = session_tracker(user_metadata=metadata, intent="greet")  # an expired session, no new metadata
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, {})
    assert slots(events)["returning"] is False
    lead = await service.lookup(TELEGRAM)
    assert lead is not None and list(lead.identities) == [TELEGRAM.identity]


async def test_without_a_link_the_new_chat_gets_its_own_telegram_lead(
        svc: tuple[NurtureService, MemoryLeadStore]) -> None:
    service, _ = svc
    tracker = session_tracker(slot_metadata={"input_channel": "telegram"})
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker, {})
    assert slots(events) == {"returning": False}
    assert await service.lookup(TELEGRAM) is not None


# -- the widget's route --------------------------------------------------------------------------------
async def route(query: str, *, token: str | None = SECRET, username: str | None = "pipewise_bot") -> Any:
    settings = test_settings(NURTURE_ADMIN_TOKEN="admin", **({"NURTURE_ACTION_TOKEN": token} if token else {}))
    service, _, _ = memory_service(settings)
    async with TestClient(TestServer(create_app(service, settings, telegram_username=username))) as client:
        resp = await client.get("/api/visitor/telegram-link" + query)
        return resp.status, await resp.json()


async def test_the_route_is_public_and_signs_the_session() -> None:
    status, body = await route(f"?session_id={WEB.sender_id}")
    assert status == 200
    assert verify_link_payload(SECRET, body["payload"]) == WEB.sender_id
    assert body["url"] == f"https://t.me/pipewise_bot?start={body['payload']}"
    status, body = await route(f"?session_id={WEB.sender_id}", username=None)
    assert status == 200 and set(body) == {"payload"}


@pytest.mark.parametrize(("query", "status"), [("", 400), ("?session_id=", 400), ("?session_id=a%20b", 400),
                                               ("?session_id=" + "a" * 49, 400)])
async def test_the_route_refuses_bad_session_ids(query: str, status: int) -> None:
    assert (await route(query))[0] == status


async def test_the_route_is_off_without_the_action_token() -> None:
    assert (await route("?session_id=abc", token=None))[0] == 503
