"""Which Slack events become Rasa messages, their plain text, and the retry cache."""

from __future__ import annotations

import pytest

from nurture_engine.channels.slack_events import RecentIds, inbound_from_click, inbound_from_event, plain_text
from nurture_engine.fakes.slack import BOT_USER_ID, block_actions, dm_event, mention_event

BOT = BOT_USER_ID


@pytest.mark.parametrize(("slack", "typed"), [
    ("my email is <mailto:ana@globex.com|ana@globex.com>", "my email is ana@globex.com"),
    ("see <https://globex.com> and <https://x.io|x.io>", "see https://globex.com and x.io"),
    (f"<@{BOT}> how much is it?", "how much is it?"),
    ("ask <@U777> &amp; me &lt;3 &gt;", "ask @U777 & me <3 >"),
    ("hey <!channel> <#C123|general>", "hey general"),
    ("  spaced\n out  ", "spaced out"),
])
def test_plain_text_is_what_the_user_typed(slack: str, typed: str) -> None:
    assert plain_text(slack, BOT) == typed


def test_a_dm_becomes_a_message_from_its_user_answered_in_the_dm() -> None:
    inbound = inbound_from_event(dm_event(user="U1", text="hi", channel="D1", ts="1.1"), bot_user_id=BOT,
                                 team="T1", event_id="Ev1")
    assert inbound is not None
    assert (inbound.user, inbound.text, inbound.channel, inbound.thread_ts) == ("U1", "hi", "D1", None)
    assert inbound.message_id == "slack:Ev1" and inbound.metadata()["slack"]["channel"] == "D1"


def test_a_mention_is_answered_in_its_thread_without_the_mention() -> None:
    event = mention_event(user="U1", text=f"<@{BOT}> pricing?", channel="C1", ts="5.5")
    inbound = inbound_from_event(event, bot_user_id=BOT, team=None, event_id="Ev2")
    assert inbound is not None and (inbound.text, inbound.thread_ts) == ("pricing?", "5.5")
    in_thread = {**event, "thread_ts": "4.4"}
    assert inbound_from_event(in_thread, bot_user_id=BOT, team=None, event_id="Ev3").thread_ts == "4.4"  # type: ignore[union-attr]


@pytest.mark.parametrize("change", [
    {"subtype": "message_changed"}, {"subtype": "bot_message"}, {"bot_id": "B9"}, {"user": BOT},
    {"channel_type": "channel"}, {"text": f"<@{BOT}>"}, {"user": None}, {"channel": 5}, {"type": "reaction_added"},
])
def test_events_that_must_not_be_answered(change: dict[str, object]) -> None:
    event = {**dm_event(user="U1", text="hi", channel="D1"), **change}
    assert inbound_from_event(event, bot_user_id=BOT, team=None, event_id="Ev") is None


def test_a_quick_reply_click_is_the_button_payload_from_the_clicker() -> None:
    message = {"ts": "9.9", "text": "pick", "blocks": []}
    body = block_actions(user="U1", channel="D1", message=message, action_id="qr_0", value="/ask_pricing")
    inbound = inbound_from_click(body, body["actions"][0])
    assert inbound is not None
    assert (inbound.user, inbound.text, inbound.channel) == ("U1", "/ask_pricing", "D1")
    assert inbound.message_id == "slack:D1:9.9:U1"
    assert inbound_from_click({**body, "user": "U1"}, body["actions"][0]) is None
    assert inbound_from_click(body, {"action_id": "qr_0"}) is None


def test_recent_ids_drop_repeats_and_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = RecentIds(max_size=3, ttl_seconds=60)
    assert seen.first_time("a") and not seen.first_time("a")
    for key in "bcd":
        assert seen.first_time(key)
    assert len(seen) == 3 and seen.first_time("a")  # "a" was evicted as the oldest
    now = [1000.0]
    monkeypatch.setattr("nurture_engine.channels.slack_events.time.monotonic", lambda: now[0])
    aged = RecentIds(ttl_seconds=60)
    assert aged.first_time("x")
    now[0] += 61
    assert aged.first_time("x") and len(aged) == 1
