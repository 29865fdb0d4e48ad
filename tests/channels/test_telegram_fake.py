"""The fake Telegram Bot API, driven by python-telegram-bot itself (its real request encoding)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from nurture_engine.fakes.telegram import BOT_USERNAME, TOKEN, FakeTelegramApi


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def bot(fake: FakeTelegramApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url) as bot:  # initialize() calls getMe
        yield bot


async def test_get_me_identifies_the_bot(fake: FakeTelegramApi, bot: Bot) -> None:
    assert bot.username == BOT_USERNAME
    assert bot.id == 123456789
    assert [c.method for c in fake.calls] == ["getMe"]


async def test_send_message_returns_a_message_and_records_the_params(fake: FakeTelegramApi, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="/affirm")]])
    sent = await bot.send_message(chat_id=4242, text="Hi <b>there</b> 42", reply_markup=markup)
    assert sent.chat.id == 4242 and sent.text == "Hi <b>there</b> 42"
    assert sent.reply_markup == markup
    assert sent.from_user is not None and sent.from_user.username == BOT_USERNAME
    [params] = fake.sent(4242)
    assert params["chat_id"] == 4242 and params["text"] == "Hi <b>there</b> 42"
    assert "parse_mode" not in params
    assert params["reply_markup"] == {"inline_keyboard": [[{"text": "Yes", "callback_data": "/affirm"}]]}
    assert fake.texts(4242) == ["Hi <b>there</b> 42"]


async def test_a_numeric_text_stays_a_string(fake: FakeTelegramApi, bot: Bot) -> None:
    await bot.send_message(chat_id=7, text="450")
    assert fake.texts(7) == ["450"]


async def test_a_wrong_token_is_unauthorized(fake: FakeTelegramApi) -> None:
    with pytest.raises(InvalidToken) as caught:
        async with Bot("999:wrong", base_url=fake.base_url):
            pass
    assert str(caught.value.__cause__) == "Unauthorized"
    assert fake.calls == []


async def test_a_429_raises_retry_after_with_telegrams_delay(fake: FakeTelegramApi, bot: Bot) -> None:
    fake.fail_next(429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(chat_id=1, text="x")
    assert caught.value.retry_after == 7
    assert [c.method for c in fake.faults] == ["sendMessage"]
    assert fake.sent() == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_a_5xx_is_a_network_error(fake: FakeTelegramApi, bot: Bot, status: int) -> None:
    fake.fail_next(status)
    with pytest.raises(NetworkError):
        await bot.send_message(chat_id=1, text="x")
    await bot.send_message(chat_id=1, text="again")  # one fault only
    assert fake.texts(1) == ["again"]


async def test_the_rate_limiter_waits_out_retry_after(fake: FakeTelegramApi) -> None:
    async with ExtBot(TOKEN, base_url=fake.base_url, rate_limiter=AIORateLimiter(max_retries=1)) as bot:
        fake.fail_next(429, retry_after=1)
        started = time.monotonic()
        await bot.send_message(chat_id=5, text="after the flood")
        assert time.monotonic() - started >= 1.0
    assert fake.texts(5) == ["after the flood"]
    assert len(fake.faults) == 1


async def test_webhook_methods(fake: FakeTelegramApi, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.test/webhooks/telegram/webhook", secret_token="s3cret",
                                 allowed_updates=["message", "callback_query"])
    [call] = fake.calls_to("setWebhook")
    assert call.params["secret_token"] == "s3cret"
    assert call.params["allowed_updates"] == ["message", "callback_query"]
    info = await bot.get_webhook_info()
    assert info.url == "https://example.test/webhooks/telegram/webhook"
    assert info.allowed_updates == ("message", "callback_query")
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_callback_answers_and_markup_edits(fake: FakeTelegramApi, bot: Bot) -> None:
    assert await bot.answer_callback_query("777")
    edited = await bot.edit_message_reply_markup(chat_id=3, message_id=1001, reply_markup=None)
    assert not isinstance(edited, bool) and edited.message_id == 1001
    assert fake.calls_to("answerCallbackQuery")[0].params == {"callback_query_id": "777"}
    assert fake.calls_to("editMessageReplyMarkup")[0].params == {"chat_id": 3, "message_id": 1001}


async def test_unknown_methods_are_not_found(fake: FakeTelegramApi, bot: Bot) -> None:
    with pytest.raises(InvalidToken):  # ptb maps Telegram's 404 to InvalidToken, as for a bad token
        await bot.send_dice(chat_id=1)
