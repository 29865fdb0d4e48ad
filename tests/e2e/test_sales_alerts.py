"""Sales alerts over the real stack: a Slack lead who asks for a demo with their email reaches sql; the
alert arrives in the sales channel on the fake Slack with its blocks; a signed Claim click (delivered
where Slack delivers it, the Rasa Slack webhook, and passed on to `nurture serve`) assigns the lead and
stops its automated follow-ups."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp

from nurture_engine.fakes.slack import FakeSlackApi, block_actions, form_payload, sign

from .responses import said
from .slack_user import SALES_CHANNEL, SECRET, SlackUser
from .stack import Stack, wait_for


async def alert_messages(fake: FakeSlackApi, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while not fake.messages(SALES_CHANNEL):
        assert time.monotonic() < deadline, "no sales alert posted"
        await asyncio.sleep(0.3)
    return fake.messages(SALES_CHANNEL)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
            if e.get("type") == "button"}


async def test_a_lead_reaching_sql_is_announced_with_its_reasons(
        slack_stack: tuple[Stack, FakeSlackApi], http: aiohttp.ClientSession) -> None:
    _, fake = slack_stack
    u = SlackUser(slack_stack, http)
    await u.say("hi, I'm Ana, VP of sales at Globex")
    await u.say("can I get a demo?")
    await u.say("ana.alerts@globex.example")
    lead = await wait_for(u.lead, lambda lead: lead["stage"] == "sql" and bool(lead["alerts"]))
    [alert] = lead["alerts"]
    assert alert["trigger"] == "stage:sql" and alert["status"] == "open"
    [message] = [m for m in await alert_messages(fake) if alert["id"] in str(m.get("blocks"))]
    assert set(buttons(message).values()) == {alert["id"]}
    assert set(buttons(message)) == {"sales_claim", "sales_not_a_fit", "sales_snooze"}
    blocks = str(message["blocks"])
    assert "sql" in blocks and "slack" in blocks and "request_demo" in blocks  # stage, channel, a top reason
    assert "ana.alerts@globex.example" in blocks, message["blocks"]  # the last messages
    # reaching sql ends the automated sequences: sales takes over
    assert all(f["status"] != "scheduled" for f in lead["followups"])


async def test_a_claim_click_assigns_the_lead_and_stops_its_follow_ups(
        slack_stack: tuple[Stack, FakeSlackApi], http: aiohttp.ClientSession) -> None:
    stack, fake = slack_stack
    u = SlackUser(slack_stack, http)
    await u.say("hello there")
    await u.say("can I talk to a human please?")
    lead = await wait_for(u.lead, lambda lead: bool(lead["alerts"]) and bool(lead["followups"]))
    assert any(f["status"] == "scheduled" for f in lead["followups"])
    [alert] = lead["alerts"]
    assert alert["trigger"] == "human_handoff"
    [message] = [m for m in await alert_messages(fake) if alert["id"] in str(m.get("blocks"))]
    seller = "U" + uuid.uuid4().hex[:8].upper()
    posted = {"type": "message", "ts": "1700000000.000100", "text": message.get("text", ""),
              "blocks": message["blocks"]}
    click = form_payload(block_actions(user=seller, channel=SALES_CHANNEL, message=posted,
                                       action_id="sales_claim", value=alert["id"]))
    forged = {**sign(click, "not-the-secret"), "Content-Type": "application/x-www-form-urlencoded"}
    async with http.post(f"{stack.serve_url}/slack/actions", data=click.encode(), headers=forged) as resp:
        assert resp.status == 401
    # Slack sends every click of the app to its one interactivity URL, the Rasa Slack webhook
    status, body = await u.post(click, content_type="application/x-www-form-urlencoded", secret=SECRET)
    assert status == 200, body
    lead = await wait_for(u.lead, lambda lead: lead.get("owner") is not None)
    assert seller in lead["owner"]
    assert all(f["status"] != "scheduled" for f in lead["followups"]), lead["followups"]
    assert {f["last_error"] for f in lead["followups"] if f["status"] == "cancelled"} == {f"claimed by {lead['owner']}"}
    assert lead["alerts"][0]["status"] == "claimed"
    await wait_for(lambda: _updates(fake), lambda n: n["count"] >= 1)


async def _updates(fake: FakeSlackApi) -> dict[str, int]:
    return {"count": len([c for c in fake.calls_to("chat.update") if c.params.get("channel") == SALES_CHANNEL])}


async def test_a_privacy_request_in_chat_reaches_staff_and_stops_messages(
        slack_stack: tuple[Stack, FakeSlackApi], http: aiohttp.ClientSession) -> None:
    _, fake = slack_stack
    u = SlackUser(slack_stack, http)
    await u.say("hi, I'm Dana from Brightloop")
    replies = await u.say("please delete all the data you have on me")
    assert said(replies, "utter_privacy_erase_requested"), replies
    lead = await wait_for(u.lead, lambda lead: bool(lead["alerts"]))
    assert lead["consent"]["status"] == "opted_out"  # no follow-up goes out while staff handle it
    assert all(f["status"] != "scheduled" for f in lead["followups"]), lead["followups"]
    [alert] = lead["alerts"]
    assert alert["trigger"] == "privacy_request"
    [message] = [m for m in await alert_messages(fake) if alert["id"] in str(m.get("blocks"))]
    assert set(buttons(message)) == {"sales_claim"}
    blocks = str(message["blocks"])
    assert f"nurture leads erase {lead['id']}" in blocks and "please delete all the data" in blocks
