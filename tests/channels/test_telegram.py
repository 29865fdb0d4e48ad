"""The Telegram connector: update parsing, the secret check and replies, against the fake Bot API."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage

from nurture_engine.channels.telegram import MAX_BODY, BadUpdate, TelegramInput, parse_update
from nurture_engine.channels.telegram_bot import TelegramSettings
from nurture_engine.channels.telegram_output import CallbackPayloads, TelegramOutput, chunks
from nurture_engine.fakes.telegram import TOKEN, FakeTelegramApi, callback_update, text_update

SECRET = "webhook-secret-for-tests"


def body(update: dict[str, Any]) -> bytes:
    return json.dumps(update).encode()


def parse(update: dict[str, Any], payloads: CallbackPayloads | None = None) -> Any:
    return parse_update(body(update), payloads or CallbackPayloads())


# -- parsing -------------------------------------------------------------------------------------------
def test_a_text_message_is_one_user_message_with_telegram_metadata() -> None:
    inbound = parse(text_update(4242, "how much does it cost?", first_name="Ana"))
    assert inbound.chat_id == 4242 and inbound.callback_query_id is None
    [(text, metadata)] = inbound.messages
    assert text == "how much does it cost?"
    assert metadata["input_channel"] == "telegram"
    assert metadata["telegram"]["chat_id"] == 4242
    assert metadata["telegram"]["user"] == {"id": 4242, "username": "ana_test", "first_name": "Ana",
                                            "language_code": "en"}


def test_start_with_a_payload_starts_a_linked_session_then_greets() -> None:
    inbound = parse(text_update(1, "/start abcDEF_123-xyz"))
    assert [t for t, _ in inbound.messages] == ["/session_start", "/greet"]
    assert inbound.messages[0][1]["link_payload"] == "abcDEF_123-xyz"
    assert "link_payload" not in inbound.messages[1][1]


@pytest.mark.parametrize("text", ["/start", "/start@nurture_fake_bot", "/start bad payload!", "/start " + "a" * 65])
def test_start_without_a_valid_payload_greets(text: str) -> None:
    inbound = parse(text_update(1, text))
    assert [(t, "link_payload" in m) for t, m in inbound.messages] == [("/greet", False)]


def test_stop_is_an_opt_out() -> None:
    assert [t for t, _ in parse(text_update(1, "/stop")).messages] == ["/opt_out"]


def test_kinds_the_assistant_does_not_handle_are_ignored() -> None:
    group = text_update(-100, "hi")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "Sales"}
    edited = text_update(1, "hi")
    edited["edited_message"] = edited.pop("message")
    photo = text_update(1, "x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    from_bot = text_update(1, "hi")
    from_bot["message"]["from"]["is_bot"] = True
    for update in (group, edited, photo, from_bot, {"update_id": 5}):
        assert parse(update) is None, update


def test_a_button_press_carries_the_payload_and_what_to_acknowledge() -> None:
    shown = {"message_id": 77, "chat": {"id": 9, "type": "private"}, "date": 1, "text": "Skip?",
             "reply_markup": {"inline_keyboard": [[{"text": "Skip this one", "callback_data": "/not_now"}]]}}
    inbound = parse(callback_update(9, "/not_now", message=shown))
    assert [t for t, _ in inbound.messages] == ["/not_now"]
    assert inbound.callback_query_id is not None and inbound.keyboard_message_id == 77


def test_long_payloads_travel_as_a_digest_and_fall_back_to_the_title() -> None:
    payloads = CallbackPayloads()
    long = '/inform{"use_case": "' + "forecast the pipeline " * 5 + '"}'
    data = payloads.encode(long)
    assert len(data.encode()) <= 64 and data.startswith("#")
    assert payloads.encode("/affirm") == "/affirm"
    assert payloads.encode("#tag") != "#tag"  # never mistaken for a digest
    shown = {"message_id": 1, "chat": {"id": 9, "type": "private"}, "date": 1, "text": "?",
             "reply_markup": {"inline_keyboard": [[{"text": "Forecasting", "callback_data": data}]]}}
    assert parse(callback_update(9, data, message=shown), payloads).messages[0][0] == long
    # another process (or after a restart): the digest is unknown, the button's title is sent instead
    assert parse(callback_update(9, data, message=shown), CallbackPayloads()).messages[0][0] == "Forecasting"


@pytest.mark.parametrize("raw", [b"", b"not json", b"\xff\xfe", b"[]", b'"x"', b'{"message": {}}',
                                 b'{"update_id": "1"}', b'{"update_id": true}',
                                 b'{"update_id": 1, "message": "x"}', b'{"update_id": 1, "message": {"chat": 1}}'])
def test_bodies_that_are_not_updates_are_bad(raw: bytes) -> None:
    with pytest.raises(BadUpdate):
        parse_update(raw, CallbackPayloads())


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=20)
message_keys = st.sampled_from(["message_id", "chat", "date", "text", "from", "entities", "reply_markup"])


messages = st.dictionaries(message_keys, json_values, max_size=7)
queries = st.dictionaries(st.sampled_from(["id", "from", "data", "message", "chat_instance"]),
                          json_values | messages, max_size=5)
valid = text_update(1, "hi")["message"]


@settings(max_examples=400, deadline=None)
@given(st.one_of(messages.map(lambda m: {"message": m}), queries.map(lambda q: {"callback_query": q}),
                 messages.map(lambda m: {"message": {**valid, **m}})))
def test_no_body_raises_anything_but_bad_update(fields: dict[str, Any]) -> None:
    try:
        parse_update(json.dumps({"update_id": 1, **fields}).encode(), CallbackPayloads())
    except BadUpdate:
        pass


# -- the webhook's checks ------------------------------------------------------------------------------
def connector(**env: str) -> TelegramInput:
    return TelegramInput(TelegramSettings.from_env(env))


async def test_without_a_token_the_channel_is_off() -> None:
    off = connector(TELEGRAM_BOT_TOKEN="", TELEGRAM_WEBHOOK_SECRET=SECRET)
    assert off.get_output_channel() is None
    assert off.check(SECRET, b"{}")[0] == 503  # type: ignore[index]


def test_secret_checks() -> None:
    on = connector(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET)
    assert on.check(SECRET, b"{}") is None
    assert on.check(None, b"{}") == (403, {"error": "missing secret token"})
    assert on.check(SECRET + "x", b"{}") == (403, {"error": "wrong secret token"})
    assert on.check(SECRET, b"x" * (MAX_BODY + 1))[0] == 413  # type: ignore[index]
    unset = connector(TELEGRAM_BOT_TOKEN=TOKEN)
    assert unset.check(SECRET, b"{}")[0] == 403  # type: ignore[index]
    assert unset.check(None, b"{}")[0] == 403  # type: ignore[index]


def test_settings_from_env() -> None:
    s = TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "",
                                   "TELEGRAM_BOT_USERNAME": "@pipewise_bot"})
    assert s.enabled and s.api_base_url == "https://api.telegram.org/bot" and s.bot_username == "pipewise_bot"
    assert TOKEN not in repr(s)


def test_long_texts_are_split_at_line_breaks() -> None:
    text = "a" * 4000 + "\n\n" + "b" * 200
    assert chunks(text) == ["a" * 4000, "b" * 200]
    assert chunks("x" * 5000) == ["x" * 4096, "x" * 904]


# -- against the fake Bot API --------------------------------------------------------------------------
@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def live(fake: FakeTelegramApi) -> AsyncIterator[TelegramInput]:
    channel = connector(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_WEBHOOK_SECRET=SECRET,
                        TELEGRAM_API_BASE_URL=fake.base_url)
    yield channel
    await channel.bots.shutdown()


class Collect:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(message.sender_id, {"text": f"echo {message.text}"})


async def test_an_update_reaches_rasa_and_the_reply_goes_to_the_chat(fake: FakeTelegramApi,
                                                                     live: TelegramInput) -> None:
    rasa = Collect()
    update = text_update(31337, "hello <b>bot</b>")
    assert await live.handle(SECRET, body(update), rasa) == (200, {"status": "ok"})
    [message] = rasa.messages
    assert (message.sender_id, message.input_channel, message.text) == ("31337", "telegram", "hello <b>bot</b>")
    assert fake.texts(31337) == ["echo hello <b>bot</b>"]
    assert "parse_mode" not in fake.sent(31337)[0]
    # Telegram redelivers an update it thinks failed: handled once
    assert await live.handle(SECRET, body(update), rasa) == (200, {"status": "duplicate"})
    assert len(rasa.messages) == 1
    assert [c.method for c in fake.calls].count("getMe") == 1  # one bot per connector


async def test_a_press_is_acknowledged_and_its_keyboard_removed(fake: FakeTelegramApi, live: TelegramInput) -> None:
    rasa = Collect()
    shown = {"message_id": 55, "chat": {"id": 8, "type": "private"}, "date": 1, "text": "?",
             "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}]]}}
    update = callback_update(8, "/affirm", message=shown)
    assert (await live.handle(SECRET, body(update), rasa))[0] == 200
    assert [m.text for m in rasa.messages] == ["/affirm"]
    assert fake.calls_to("answerCallbackQuery")[0].params["callback_query_id"] == update["callback_query"]["id"]
    assert fake.calls_to("editMessageReplyMarkup")[0].params == {"chat_id": 8, "message_id": 55}


async def test_bad_bodies_are_400_and_reach_nobody(fake: FakeTelegramApi, live: TelegramInput) -> None:
    rasa = Collect()
    assert (await live.handle(SECRET, b"{nope", rasa))[0] == 400
    assert (await live.handle(None, body(text_update(1, "hi")), rasa))[0] == 403
    assert rasa.messages == [] and fake.calls == []


async def test_buttons_become_an_inline_keyboard(fake: FakeTelegramApi, live: TelegramInput) -> None:
    output = live.get_output_channel()
    assert isinstance(output, TelegramOutput)
    long = "/inform" + "x" * 80
    await output.send_response("12", {"text": "Pick one", "buttons": [
        {"title": "Pricing", "payload": "/ask_pricing"}, {"title": "Long", "payload": long},
        {"title": "Docs", "url": "https://example.test/docs"}]})
    [sent] = fake.sent(12)
    rows = sent["reply_markup"]["inline_keyboard"]
    assert rows[0] == [{"text": "Pricing", "callback_data": "/ask_pricing"}]
    assert rows[1][0]["callback_data"].startswith("#") and live.payloads.decode(rows[1][0]["callback_data"]) == long
    assert rows[2] == [{"text": "Docs", "url": "https://example.test/docs"}]


async def test_a_failed_send_is_logged_not_raised(fake: FakeTelegramApi, live: TelegramInput) -> None:
    output = live.get_output_channel()
    assert output is not None
    await live.bots.get()
    fake.fail_next(500, times=5)
    await output.send_text_message("12", "lost")  # must not raise
    assert fake.sent(12) == []


async def test_an_unreachable_bot_api_leaves_the_update_for_redelivery(fake: FakeTelegramApi) -> None:
    channel = connector(TELEGRAM_BOT_TOKEN="1:wrong", TELEGRAM_WEBHOOK_SECRET=SECRET,
                        TELEGRAM_API_BASE_URL=fake.base_url)
    rasa = Collect()
    update = body(text_update(3, "hi"))
    assert (await channel.handle(SECRET, update, rasa))[0] == 503
    assert rasa.messages == []
    assert (await channel.handle(SECRET, update, rasa))[0] == 503  # not swallowed as a duplicate


async def test_the_token_never_reaches_the_log(fake: FakeTelegramApi, live: TelegramInput,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await live.handle(SECRET, body(text_update(5, "hi")), Collect())
    await live.handle(SECRET, body(callback_update(5, "/affirm")), Collect())
    assert fake.texts(5) == ["echo hi", "echo /affirm"]
    assert "<TELEGRAM_BOT_TOKEN>/sendMessage" in caplog.text  # httpx logs every URL: masked
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
