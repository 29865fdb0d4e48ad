"""The Slack input channel on a real Sanic server, with signed requests, and the fake Slack Web API.

Rasa's agent is replaced by a recorder that answers like a bot would (through the message's output
channel), so these tests see exactly what Rasa would receive and what Slack would get back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from nurture_engine.channels.slack import SlackInput, SlackSettings
from nurture_engine.channels.slack_output import SlackOutput
from nurture_engine.fakes.slack import (
    BOT_USER_ID,
    FakeSlackApi,
    block_actions,
    dm_event,
    event_callback,
    form_payload,
    mention_event,
    sign,
)

TOKEN, SECRET = "xoxb-channel-test", "channel-test-signing-secret"


@dataclass
class Rig:
    url: str
    fake: FakeSlackApi
    channel: SlackInput
    http: aiohttp.ClientSession
    received: list[UserMessage] = field(default_factory=list)
    reply: Callable[[UserMessage], Awaitable[None]] | None = None

    async def post(self, body: str, *, content_type: str = "application/json", secret: str = SECRET,
                   timestamp: int | None = None, extra: dict[str, str] | None = None) -> tuple[int, Any]:
        headers = {**sign(body, secret, timestamp=timestamp), "Content-Type": content_type, **(extra or {})}
        async with self.http.post(f"{self.url}/webhooks/slack/webhook", data=body.encode(), headers=headers) as resp:
            text = await resp.text()
            return resp.status, json.loads(text) if text.startswith("{") else text

    async def settle(self, count: int = 1, timeout: float = 5.0) -> None:
        """Waits for the background tasks (Rasa's turn) and for `count` received messages."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count or self.channel.tasks:
            assert time.monotonic() < deadline, f"received {len(self.received)} of {count}"
            await asyncio.sleep(0.02)


async def _serve(channel: SlackInput, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> tuple[Any, str]:
    Sanic.test_mode = True  # lets several apps start in one process (Sanic's "touchup" runs once per app)
    app = Sanic(f"slack_test_{uuid.uuid4().hex[:8]}", configure_logging=False)
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/slack")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None  # create_server awaited it: it is listening
    await server.startup()
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    fake = FakeSlackApi(token=TOKEN)
    await fake.start()
    channel = SlackInput(SlackSettings(bot_token=TOKEN, signing_secret=SECRET, api_base_url=f"{fake.url}/api/"))
    holder: list[Rig] = []

    async def on_new_message(message: UserMessage) -> None:
        rig = holder[0]
        rig.received.append(message)
        if rig.reply is not None:
            await rig.reply(message)
        else:
            await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")

    server, url = await _serve(channel, on_new_message)
    async with aiohttp.ClientSession() as http:
        holder.append(Rig(url=url, fake=fake, channel=channel, http=http))
        yield holder[0]
    server.close()
    await server.wait_closed()
    await fake.stop()


def dm(text: str, *, event_id: str = "Ev1", user: str = "U1", channel: str = "D1") -> str:
    return json.dumps(event_callback(dm_event(user=user, text=text, channel=channel), event_id=event_id))


async def test_url_verification_answers_the_challenge(rig: Rig) -> None:
    status, body = await rig.post(json.dumps({"type": "url_verification", "token": "t", "challenge": "c-123"}))
    assert status == 200 and "c-123" in json.dumps(body)


async def test_forged_or_stale_requests_are_401(rig: Rig) -> None:
    assert (await rig.post(dm("hi"), secret="forged"))[0] == 401
    assert (await rig.post(dm("hi"), timestamp=int(time.time()) - 301))[0] == 401
    async with rig.http.post(f"{rig.url}/webhooks/slack/webhook", data=dm("hi")) as resp:
        assert resp.status == 401  # no signature headers at all
    bad_ts = {"X-Slack-Request-Timestamp": "soon"}
    async with rig.http.post(f"{rig.url}/webhooks/slack/webhook", data=dm("hi"), headers=bad_ts) as resp:
        assert resp.status == 401
    assert rig.received == [] and rig.fake.messages() == []


@pytest.mark.parametrize(("body", "content_type"), [
    ('{"type": "event_callback", ', "application/json"),
    ("[1, 2]", "application/json"),
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("payload=%5B1%5D", "application/x-www-form-urlencoded"),
])
async def test_malformed_bodies_are_400(rig: Rig, body: str, content_type: str) -> None:
    status, _ = await rig.post(body, content_type=content_type)
    assert status == 400


async def test_undecodable_and_oversized_bodies(rig: Rig) -> None:
    raw = b"\xff\xfe{}"
    headers = {**sign(raw, SECRET), "Content-Type": "application/json"}
    async with rig.http.post(f"{rig.url}/webhooks/slack/webhook", data=raw, headers=headers) as resp:
        assert resp.status == 400
    status, _ = await rig.post(dm("x" * (1024 * 1024 + 1)))
    assert status == 413


async def test_a_dm_reaches_rasa_and_the_reply_goes_to_the_dm(rig: Rig) -> None:
    status, _ = await rig.post(dm("my email is <mailto:ana@globex.com|ana@globex.com>"))
    assert status == 200
    await rig.settle()
    [message] = rig.received
    assert (message.sender_id, message.input_channel, message.text) == ("U1", "slack", "my email is ana@globex.com")
    assert message.metadata == {"input_channel": "slack",
                                "slack": {"channel": "D1", "thread_ts": None, "team": "T0FAKE"}}
    assert isinstance(message.output_channel, SlackOutput)
    assert [m["text"] for m in rig.fake.messages("D1")] == ["echo: my email is ana@globex.com"]
    assert len(rig.fake.calls_to("auth.test")) == 1  # bolt learns our bot user id once


async def test_slack_retries_are_processed_once(rig: Rig) -> None:
    body = dm("hello", event_id="EvRetry")
    assert (await rig.post(body))[0] == 200
    assert (await rig.post(body, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}))[0] == 200
    assert (await rig.post(dm("hello", event_id="EvOther")))[0] == 200
    await rig.settle(2)
    await asyncio.sleep(0.2)
    assert [m.message_id for m in rig.received] == ["slack:EvRetry", "slack:EvOther"]
    assert len(rig.fake.messages("D1")) == 2


async def test_bot_messages_and_edits_are_ignored(rig: Rig) -> None:
    ours = {**dm_event(user=BOT_USER_ID, text="a reply of ours", channel="D1"), "bot_id": "B0FAKEBOT"}
    edit = {**dm_event(user="U1", text="edited", channel="D1"), "subtype": "message_changed"}
    other_bot = {**dm_event(user="U2", text="beep", channel="D1"), "bot_id": "B2"}
    reaction = {"type": "reaction_added", "user": "U1", "reaction": "tada", "event_ts": "1.1"}
    for i, event in enumerate((ours, edit, other_bot, reaction)):
        assert (await rig.post(json.dumps(event_callback(event, event_id=f"EvIgnored{i}"))))[0] == 200
    await asyncio.sleep(0.3)
    assert rig.received == [] and rig.fake.messages() == []


async def test_a_mention_is_answered_in_its_thread(rig: Rig) -> None:
    event = mention_event(user="U1", text=f"<@{BOT_USER_ID}> what does it cost?", channel="C1", ts="100.1")
    assert (await rig.post(json.dumps(event_callback(event, event_id="EvMention"))))[0] == 200
    await rig.settle()
    assert rig.received[0].text == "what does it cost?"
    [reply] = rig.fake.messages("C1")
    assert reply["thread_ts"] == "100.1"


async def test_a_quick_reply_click_is_the_users_message(rig: Rig) -> None:
    async def with_buttons(message: UserMessage) -> None:
        await message.output_channel.send_text_with_buttons(
            message.sender_id, "Want pricing?", [{"title": "Yes", "payload": "/ask_pricing"}])

    rig.reply = with_buttons
    await rig.post(dm("hi"))
    await rig.settle()
    posted = rig.fake.calls_to("chat.postMessage")[0].params
    message = {"type": "message", "ts": "200.1", "text": posted["text"], "blocks": posted["blocks"],
               "user": BOT_USER_ID, "bot_id": "B0FAKEBOT"}
    click = block_actions(user="U1", channel="D1", message=message, action_id="qr_0", value="/ask_pricing")
    rig.reply = None
    form = "application/x-www-form-urlencoded"
    assert (await rig.post(form_payload(click), content_type=form))[0] == 200
    await rig.settle(2)
    clicked = rig.received[1]
    assert (clicked.sender_id, clicked.text, clicked.input_channel) == ("U1", "/ask_pricing", "slack")
    assert rig.fake.messages("D1")[-1]["text"] == "echo: /ask_pricing"
    [update] = rig.fake.calls_to("chat.update")
    assert update.params["ts"] == "200.1" and [b["type"] for b in update.params["blocks"]] == ["section"]
    again = block_actions(user="U1", channel="D1", message=message, action_id="qr_0", value="/ask_pricing")
    assert (await rig.post(form_payload(again), content_type=form))[0] == 200
    await asyncio.sleep(0.3)
    assert len(rig.received) == 2  # the question was answered once


async def test_other_actions_are_ignored_unless_hooked(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    message = {"type": "message", "ts": "300.1", "text": "New SQL lead", "blocks": []}
    click = block_actions(user="U9", channel="C9", message=message, action_id="sales_claim", value="lead-1")
    form = "application/x-www-form-urlencoded"
    with caplog.at_level(logging.INFO, logger="nurture_engine.channels.slack"):
        assert (await rig.post(form_payload(click), content_type=form))[0] == 200
    assert "ignored click on action_id 'sales_claim'" in caplog.text and rig.received == []
    hooked: list[tuple[str, str]] = []

    async def claim(body: dict[str, Any], action: dict[str, Any]) -> None:
        hooked.append((body["user"]["id"], action["value"]))

    rig.channel.add_action_hook("sales_", claim)
    assert (await rig.post(form_payload(click), content_type=form))[0] == 200
    await rig.settle(0)
    assert hooked == [("U9", "lead-1")]


async def test_acks_before_rasa_answers_and_logs_failures(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    async def slow_then_broken(message: UserMessage) -> None:
        await asyncio.sleep(2)
        raise RuntimeError("the agent fell over")

    rig.reply = slow_then_broken
    started = time.monotonic()
    assert (await rig.post(dm("hi", event_id="EvSlow")))[0] == 200
    assert time.monotonic() - started < 1.0
    with caplog.at_level(logging.ERROR, logger="nurture_engine.channels.slack"):
        await rig.settle()
    assert "handling message slack:EvSlow failed" in caplog.text and "the agent fell over" in caplog.text


async def test_without_settings_the_channel_is_off() -> None:
    server, url = await _serve(SlackInput(None), lambda _m: asyncio.sleep(0))
    try:
        async with aiohttp.ClientSession() as http, http.post(f"{url}/webhooks/slack/webhook", data="{}") as resp:
            assert resp.status == 503 and "SLACK_BOT_TOKEN" in (await resp.json())["error"]
    finally:
        server.close()
        await server.wait_closed()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_API_BASE_URL", "")
    channel = SlackInput.from_credentials(None)
    assert channel.settings == SlackSettings(bot_token="xoxb-1", signing_secret="s")
    assert channel.settings is not None and "xoxb-1" not in repr(channel.settings)
    assert channel.settings.api_base_url == "https://slack.com/api/"
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    assert SlackInput.from_credentials({}).settings is None
    assert SlackInput.name() == "slack"
