"""Follow-ups over the real stack: a web visitor who goes silent gets the drip in their web inbox at the
right times (`nurture dispatch --once --now`), each one is added to the Rasa conversation, a reply ends
the drip, and STOP ends everything."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from .stack import ADMIN_TOKEN, RASA_TOKEN, SocketVisitor, Stack, admin_get, wait_for

LONDON = ZoneInfo("Europe/London")  # nurture.yml quiet_hours.timezone


def noon_after(at: datetime) -> datetime:
    """The first 12:00 London time at or after `at`: outside quiet hours, whatever time the test runs."""
    local = at.astimezone(LONDON)
    noon = datetime.combine(local.date(), time(12), tzinfo=LONDON)
    return noon if noon >= local else noon + timedelta(days=1)


async def followups(stack: Stack, http: aiohttp.ClientSession, lead_id: str) -> dict[str, dict[str, Any]]:
    lead = await admin_get(stack, http, f"/api/leads/{lead_id}")
    return {f"{f['sequence']}/{f['step']}": f for f in lead["followups"]}


async def inbox(stack: Stack, http: aiohttp.ClientSession, session_id: str) -> list[str]:
    async with http.get(f"{stack.serve_url}/api/inbox", params={"session_id": session_id}) as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    return [m["text"] for m in body["messages"]]


def dispatch(stack: Stack, at: datetime) -> dict[str, Any]:
    return dict(json.loads(stack.nurture("dispatch", "--once", "--now", at.isoformat()).strip().splitlines()[-1]))


async def silent_visitor(stack: Stack, http: aiohttp.ClientSession) -> tuple[SocketVisitor, str, datetime]:
    visitor = SocketVisitor(stack, http, sender="web" + secrets.token_urlsafe(18))
    await visitor.connect()
    await visitor.say("hi")
    lead = await wait_for(visitor.lead, lambda lead: len(lead["followups"]) >= 4)
    async with http.get(f"{stack.serve_url}/api/leads/lookup", params={"channel": "rest", "sender_id": visitor.sender},
                        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as resp:
        assert resp.status == 404  # the session start knew the channel: no stray REST lead
    welcome = datetime.fromisoformat(next(f for f in lead["followups"] if f["step"] == "welcome")["due_at"])
    return visitor, lead["id"], welcome - timedelta(hours=1)


async def test_the_drip_arrives_in_the_web_inbox_and_a_reply_ends_it(sqlite_stack: Stack,
                                                                     http: aiohttp.ClientSession) -> None:
    visitor, lead_id, entered = await silent_visitor(sqlite_stack, http)
    try:
        steps = await followups(sqlite_stack, http, lead_id)
        assert {s["status"] for s in steps.values() if s["sequence"] == "welcome_drip"} == {"scheduled"}
        assert all(s["channel"] == "web" for s in steps.values())
        dispatch(sqlite_stack, entered + timedelta(minutes=59))
        assert await inbox(sqlite_stack, http, visitor.sender) == []  # not due yet
        day0 = noon_after(entered + timedelta(hours=1))
        dispatch(sqlite_stack, day0)
        [welcome] = await inbox(sqlite_stack, http, visitor.sender)
        assert "Pipewise" in welcome
        day2 = noon_after(entered + timedelta(days=2))
        dispatch(sqlite_stack, day2)
        texts = await inbox(sqlite_stack, http, visitor.sender)
        assert len(texts) == 2 and "https://pipewise.example/customers/globex" in texts[1]
        steps = await followups(sqlite_stack, http, lead_id)
        assert steps["welcome_drip/welcome"]["status"] == steps["welcome_drip/case_study"]["status"] == "sent"
        assert steps["welcome_drip/pricing_guide"]["status"] == "scheduled"
        # each follow-up is in the Rasa conversation, so the assistant sees a reply in its context
        async with http.get(f"{sqlite_stack.rasa_url}/conversations/{visitor.sender}/tracker",
                            params={"token": RASA_TOKEN}) as resp:
            events = (await resp.json())["events"]
        assert [e["text"] for e in events if e.get("event") == "bot"
                and (e.get("metadata") or {}).get("sequence") == "welcome_drip"] == texts
        await visitor.say("which integrations do you have?")  # the reply
        await wait_for(lambda: followups(sqlite_stack, http, lead_id),
                       lambda s: s["welcome_drip/pricing_guide"]["status"] == "cancelled")
        dispatch(sqlite_stack, noon_after(entered + timedelta(days=10)))
        assert len(await inbox(sqlite_stack, http, visitor.sender)) == 2
        steps = await followups(sqlite_stack, http, lead_id)
        assert steps["welcome_drip/demo_offer"]["status"] == "cancelled"
    finally:
        await visitor.close()


async def test_stop_mid_sequence_means_no_more_messages(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    visitor, _, entered = await silent_visitor(sqlite_stack, http)
    try:
        dispatch(sqlite_stack, noon_after(entered + timedelta(hours=1)))
        assert len(await inbox(sqlite_stack, http, visitor.sender)) == 1
        await visitor.say("STOP")
        lead = await wait_for(visitor.lead, lambda lead: lead["consent"]["status"] == "opted_out")
        assert {f["status"] for f in lead["followups"] if f["step"] != "welcome"} == {"cancelled"}
        for days in (2, 5, 9, 20):
            dispatch(sqlite_stack, noon_after(entered + timedelta(days=days)))
        assert len(await inbox(sqlite_stack, http, visitor.sender)) == 1
        await visitor.say("I have a question about pricing")  # even asking pricing enrols nothing now
        lead = await wait_for(visitor.lead, lambda lead: lead["consent"]["status"] == "opted_out")
        assert all(f["status"] in ("sent", "cancelled") for f in lead["followups"])
    finally:
        await visitor.close()
