"""Hostile or odd input gets a polite answer or the fallback, never a 500; the action server is locked."""

from __future__ import annotations

import aiohttp
import pytest

from .stack import ACTION_TOKEN, Stack, Visitor


@pytest.mark.parametrize("text", [
    "forecasting " * 330,  # about 4 kB, just under the limit
    "🚀🔥💯 ¿qué tal? שלום مرحبا",
    "<img src=x onerror=alert(1)><script>alert(1)</script>",
    "'; DROP TABLE leads; --",
    "\u202e\u0000\u200b",
])
async def test_odd_messages_get_a_reply_not_an_error(sqlite_stack: Stack, http: aiohttp.ClientSession,
                                                     text: str) -> None:
    v = Visitor(sqlite_stack, http)
    replies = await v.say(text)
    assert replies, "the assistant should always answer"


async def test_an_oversized_message_is_refused_with_the_reason(sqlite_stack: Stack,
                                                              http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sqlite_stack.rasa_url}/webhooks/rest/webhook",
                         json={"sender": "long-1", "message": "forecasting " * 450}) as resp:  # about 5 kB
        assert resp.status == 413
        assert (await resp.json())["error"] == "the message is longer than 4000 characters"
    v = Visitor(sqlite_stack, http, sender="long-1")
    assert await v.say("hi"), "the conversation goes on"


async def test_an_empty_message_is_not_an_error(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sqlite_stack.rasa_url}/webhooks/rest/webhook",
                         json={"sender": "empty-1", "message": ""}) as resp:
        assert resp.status < 500


async def test_malformed_webhook_body_is_a_client_error(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{sqlite_stack.rasa_url}/webhooks/rest/webhook", data=b"{not json",
                         headers={"Content-Type": "application/json"}) as resp:
        assert 400 <= resp.status < 500


async def test_action_calls_need_the_token(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    call = {"next_action": "action_answer_product", "sender_id": "x", "version": "3.6.21",
            "tracker": {"sender_id": "x", "slots": {}, "events": [], "active_loop": {},
                        "latest_message": {"intent": {"name": "ask_pricing"}}, "latest_input_channel": "rest"},
            "domain": {"responses": {}}}
    url = f"{sqlite_stack.action_url}/webhook"
    async with http.post(url, json=call) as resp:
        assert resp.status == 401
    async with http.post(url, json=call, params={"token": "wrong"}) as resp:
        assert resp.status == 403
    async with http.post(url, json=call, params={"token": ACTION_TOKEN}) as resp:
        assert resp.status == 200
        body = await resp.json()
        assert body["responses"][0]["response"] == "utter_pricing"
