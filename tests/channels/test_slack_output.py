"""The Slack output channel against the fake Web API: escaping, Block Kit buttons, threads, retries."""

from __future__ import annotations

import logging

import pytest
from slack_sdk.errors import SlackApiError

from nurture_engine.channels.slack_output import SlackOutput, button_blocks, escape, make_client
from nurture_engine.fakes.slack import FakeSlackApi

from .conftest import SLACK_TOKEN as TOKEN


def output(fake: FakeSlackApi, **kwargs: str) -> SlackOutput:
    return SlackOutput(make_client(TOKEN, f"{fake.url}/api/"), **kwargs)


def test_escape_follows_slack_rules() -> None:
    assert escape("<@U1> & <!channel> > x") == "&lt;@U1&gt; &amp; &lt;!channel&gt; &gt; x"


async def test_user_text_cannot_mention_anyone(fake: FakeSlackApi) -> None:
    await output(fake, channel="D1").send_text_message("U1", "Nice to meet you, <!channel> & <@U999>!")
    [sent] = fake.messages("D1")
    assert sent["text"] == "Nice to meet you, &lt;!channel&gt; &amp; &lt;@U999&gt;!"
    assert "<" not in sent["text"]


async def test_buttons_become_block_kit_quick_replies(fake: FakeSlackApi) -> None:
    buttons = [{"title": "Pricing", "payload": "/ask_pricing"}, {"title": "Too long", "payload": "x" * 2001},
               {"title": "Demo", "payload": '/request_demo{"when": "soon"}'}]
    await output(fake, channel="D1").send_text_with_buttons("U1", "What <next>?", buttons)
    [sent] = fake.messages("D1")
    section, actions = sent["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "What &lt;next&gt;?"}}
    assert [(e["action_id"], e["value"], e["text"]["text"]) for e in actions["elements"]] == [
        ("qr_0", "/ask_pricing", "Pricing"), ("qr_2", '/request_demo{"when": "soon"}', "Demo")]
    assert sent["text"] == "What &lt;next&gt;?"  # the notification fallback


def test_long_texts_are_split_into_sections() -> None:
    blocks = button_blocks("a" * 7000, [{"title": "ok", "payload": "/affirm"}])
    assert [len(b["text"]["text"]) for b in blocks[:-1]] == [3000, 3000, 1000] and blocks[-1]["type"] == "actions"


async def test_replies_go_to_the_thread(fake: FakeSlackApi) -> None:
    await output(fake, channel="C1", thread_ts="5.5").send_text_message("U1", "in thread")
    assert fake.messages("C1")[0]["thread_ts"] == "5.5"


async def test_without_a_channel_the_recipient_dm_is_opened(fake: FakeSlackApi) -> None:
    out = output(fake)
    await out.send_text_message("U42", "hello")
    await out.send_text_message("U42", "again")
    assert len(fake.calls_to("conversations.open")) == 1
    assert [m["text"] for m in fake.messages("D42")] == ["hello", "again"]


async def test_custom_json_is_posted_as_is(fake: FakeSlackApi) -> None:
    custom = {"text": "see <https://x.io|docs>", "blocks": [{"type": "divider"}], "channel": "C-evil"}
    await output(fake, channel="D1").send_response("U1", {"custom": custom})
    [sent] = fake.messages()
    assert sent["channel"] == "D1" and sent["text"] == custom["text"] and sent["blocks"] == custom["blocks"]


async def test_rate_limits_are_waited_out(fake: FakeSlackApi) -> None:
    fake.fail_next(429, retry_after=1)
    fake.fail_next(503)
    await output(fake, channel="D1").send_text_message("U1", "eventually")
    assert [m["text"] for m in fake.messages("D1")] == ["eventually"]
    assert len(fake.faults) == 2 and fake.calls[0].at - fake.faults[0].at >= 1.0


async def test_a_lost_message_is_logged_not_raised(fake: FakeSlackApi, caplog: pytest.LogCaptureFixture) -> None:
    fake.fail_next(500, times=3)
    with caplog.at_level(logging.ERROR):
        await output(fake, channel="D1").send_text_message("U1", "lost")
    assert fake.messages() == [] and len(fake.faults) == 3
    assert "chat.postMessage failed" in caplog.text
    fake.fail_next(500, times=3)
    with pytest.raises(SlackApiError):
        await output(fake, channel="D1").post("U1", text="raised")
