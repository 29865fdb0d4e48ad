"""Slack end to end: signed Events API and interactivity requests to the REAL Rasa server's Slack webhook,
replies observed on a local fake Slack Web API, facts observed on the lead through the admin API."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import aiohttp

from nurture_engine.fakes.slack import FakeSlackApi

from .responses import asked, said
from .slack_user import PRICING, SlackUser
from .stack import Stack


async def test_url_verification_returns_the_challenge(slack_stack: tuple[Stack, FakeSlackApi],
                                                      http: aiohttp.ClientSession) -> None:
    u = SlackUser(slack_stack, http)
    status, body = await u.post(json.dumps({"token": "x", "challenge": "challenge-e2e-42", "type": "url_verification"}))
    assert status == 200 and "challenge-e2e-42" in body


async def test_forged_and_stale_requests_are_401(slack_stack: tuple[Stack, FakeSlackApi],
                                                 http: aiohttp.ClientSession) -> None:
    u = SlackUser(slack_stack, http)
    assert (await u.post(u.event("hi"), secret="forged-secret"))[0] == 401
    assert (await u.post(u.event("hi"), timestamp=int(time.time()) - 6 * 60))[0] == 401
    assert (await u.post('{"type": "event_callback", ', extra={}))[0] == 400
    await asyncio.sleep(2)
    assert u.replies() == []
    assert await u.user_turns() == []


async def test_a_dm_is_answered_in_its_channel_and_recorded_on_the_lead(slack_stack: tuple[Stack, FakeSlackApi],
                                                                       http: aiohttp.ClientSession) -> None:
    u = SlackUser(slack_stack, http)
    replies = await u.say("hi")
    assert said(replies, "utter_greet") and asked(replies) == ["use_case"], replies
    sent = [c.params for c in u.fake.calls_to("chat.postMessage") if c.params.get("channel") == u.channel]
    assert len(sent) == len(replies) and all("thread_ts" not in m for m in sent)
    replies = await u.say("we need better pipeline forecasting")
    assert asked(replies) == ["role"], replies
    lead = await u.lead()
    assert {"channel": "slack", "sender_id": u.user} in lead["identities"]
    assert lead["profile"]["use_case"] == "better pipeline forecasting"
    assert lead["provenance"]["use_case"]["conversation_id"] == u.user


async def test_a_retried_event_is_processed_once(slack_stack: tuple[Stack, FakeSlackApi],
                                                 http: aiohttp.ClientSession) -> None:
    u = SlackUser(slack_stack, http)
    body = u.event("hi", event_id="EvRetry" + uuid.uuid4().hex[:8].upper())
    assert (await u.post(body))[0] == 200
    first = await u.new_replies(0)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert (await u.post(body, extra=retry))[0] == 200  # Slack re-signs every delivery
    await asyncio.sleep(4)
    assert u.replies() == first
    assert [t["text"] for t in await u.user_turns()] == ["hi"]


async def test_a_quick_reply_click_advances_the_dialogue(slack_stack: tuple[Stack, FakeSlackApi],
                                                         http: aiohttp.ClientSession) -> None:
    u = SlackUser(slack_stack, http)
    assert asked(await u.say("hey")) == ["use_case"]
    question = await u.bot_message_with_buttons("Shall I show you what it costs?",
                                                [{"title": "Pricing", "payload": "/ask_pricing"}])
    replies = await u.click(question, "/ask_pricing")
    assert PRICING in replies and asked(replies) == ["use_case"], replies
    [update] = [c for c in u.fake.calls_to("chat.update") if c.params["ts"] == question["ts"]]
    assert [b["type"] for b in update.params["blocks"]] == ["section"]  # the buttons are gone
    options = await u.bot_message_with_buttons("What brings you here?", [
        {"title": "Forecasting", "payload": "we need better pipeline forecasting"}])
    replies = await u.click(options, "we need better pipeline forecasting")
    assert asked(replies) == ["role"], replies
    assert (await u.lead())["profile"]["use_case"] == "better pipeline forecasting"
    turns = await u.user_turns()
    assert [t["text"] for t in turns][-2:] == ["/ask_pricing", "we need better pipeline forecasting"]
    assert all(t["input_channel"] == "slack" for t in turns)
