"""Telegram end to end: updates POSTed with the secret token to the REAL Rasa server's Telegram webhook,
replies observed on a local fake Bot API, facts observed on the lead through the admin API; a web visitor
who continues on Telegram through the deep link is one lead and is not asked again."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from nurture_engine.fakes.telegram import FakeTelegramApi, callback_update, text_update

from .conftest import _run
from .responses import asked, said, texts
from .stack import SocketVisitor, Stack, admin_get, wait_for

TOKEN = f"{random.randint(10**8, 10**9)}:AAe2e{uuid.uuid4().hex}"
SECRET = "e2e-telegram-" + uuid.uuid4().hex
USERNAME = "pipewise_e2e_bot"
Telegram = tuple[Stack, FakeTelegramApi]


@pytest.fixture(scope="module")
def telegram_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Telegram]:
    fake = FakeTelegramApi(token=TOKEN, username=USERNAME)
    fake.start_in_thread()
    var = tmp_path_factory.mktemp("stack-telegram")
    stack = Stack(var_dir=var, database_url=f"sqlite:///{var / 'nurture.db'}",
                  tracker_url=f"sqlite:///{var / 'tracker.db'}", events_url=f"sqlite:///{var / 'events.db'}",
                  extra_env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET,
                             "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_BOT_USERNAME": USERNAME})
    try:
        for running in _run(stack):
            yield running, fake
    finally:
        fake.stop_thread()


class TelegramUser:
    """One person in a private chat with the bot, as Telegram delivers it to the webhook."""

    def __init__(self, telegram: Telegram, http: aiohttp.ClientSession) -> None:
        self.stack, self.fake = telegram
        self.http = http
        self.chat_id = random.randint(10**9, 2 * 10**9)

    async def post(self, update: dict[str, Any] | bytes, secret: str | None = SECRET) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        data = update if isinstance(update, bytes) else json.dumps(update).encode()
        async with self.http.post(f"{self.stack.rasa_url}/webhooks/telegram/webhook", data=data,
                                  headers=headers) as resp:
            return resp.status, await resp.json()

    async def deliver(self, update: dict[str, Any]) -> list[str]:
        """The bot's replies to this update (the webhook answers once Rasa has replied)."""
        before = len(self.fake.texts(self.chat_id))
        status, body = await self.post(update)
        assert status == 200, (status, body, self.stack.logs())
        return self.fake.texts(self.chat_id)[before:]

    async def say(self, text: str) -> list[str]:
        return await self.deliver(text_update(self.chat_id, text))

    async def press(self, title: str, data: str) -> list[str]:
        shown = {"message_id": 4711, "chat": {"id": self.chat_id, "type": "private"}, "date": 1, "text": "?",
                 "from": {"id": int(TOKEN.split(":")[0]), "is_bot": True, "first_name": "Nurture"},
                 "reply_markup": {"inline_keyboard": [[{"text": title, "callback_data": data}]]}}
        self.last_press = callback_update(self.chat_id, data, message=shown)
        return await self.deliver(self.last_press)

    async def lead(self) -> dict[str, Any]:
        return await admin_get(self.stack, self.http, "/api/leads/lookup", channel="telegram",
                               sender_id=str(self.chat_id))


async def test_a_message_is_answered_in_the_same_chat_as_plain_text(telegram_stack: Telegram,
                                                                    http: aiohttp.ClientSession) -> None:
    user = TelegramUser(telegram_stack, http)
    replies = await user.say("hi")
    assert said(replies, "utter_greet") and asked(replies) == ["use_case"], replies
    sent = telegram_stack[1].sent(user.chat_id)
    assert all(p["chat_id"] == user.chat_id and "parse_mode" not in p for p in sent)


async def test_updates_without_the_right_secret_are_refused(telegram_stack: Telegram,
                                                            http: aiohttp.ClientSession) -> None:
    user = TelegramUser(telegram_stack, http)
    update = text_update(user.chat_id, "hi")
    assert (await user.post(update, secret=None))[0] == 403
    assert (await user.post(update, secret="wrong-" + SECRET))[0] == 403
    assert (await user.post(b"{not json"))[0] == 400
    assert (await user.post(b'{"update_id": 1, "message": "nope"}'))[0] == 400
    assert (await user.post(b"x" * (300 * 1024)))[0] == 413
    edited = text_update(user.chat_id, "hi again")
    edited["edited_message"] = edited.pop("message")
    assert (await user.post(edited)) == (200, {"status": "ignored"})  # a kind the assistant does not handle
    assert telegram_stack[1].sent(user.chat_id) == []
    assert (await user.post(update))[0] == 200  # the same update with the secret is answered
    assert telegram_stack[1].sent(user.chat_id)


async def test_a_button_press_advances_the_dialogue(telegram_stack: Telegram, http: aiohttp.ClientSession) -> None:
    user = TelegramUser(telegram_stack, http)
    assert asked(await user.say("hello")) == ["use_case"]
    replies = await user.press("Skip this one", "/not_now")
    assert said(replies, "utter_refusal_ok") and asked(replies) == ["role"], replies
    fake = telegram_stack[1]
    query_id = user.last_press["callback_query"]["id"]
    assert [c.params["callback_query_id"] for c in fake.calls_to("answerCallbackQuery")].count(query_id) == 1
    assert {"chat_id": user.chat_id, "message_id": 4711} in [c.params for c in fake.calls_to("editMessageReplyMarkup")]
    assert (await user.lead())["refused"] == ["use_case"]


async def test_a_qualification_on_telegram_fills_the_lead(telegram_stack: Telegram,
                                                          http: aiohttp.ClientSession) -> None:
    user = TelegramUser(telegram_stack, http)
    assert asked(await user.say("hi")) == ["use_case"]
    assert asked(await user.say("we need better pipeline forecasting")) == ["role"]
    assert asked(await user.say("I'm the head of revops")) == ["company_size"]
    replies = await user.say("about 450 people")
    assert asked(replies) == [] and said(replies, "utter_profile_thanks"), replies
    lead = await user.lead()
    assert lead["profile"]["use_case"] == "better pipeline forecasting"
    assert lead["profile"]["role"] == {"title": "Head of Revenue Operations", "seniority": "director"}
    assert lead["profile"]["company_size"] == {"min": 450, "max": 450}
    assert lead["identities"] == [{"channel": "telegram", "sender_id": str(user.chat_id)}]


async def test_the_bots_own_quick_replies_are_an_inline_keyboard(telegram_stack: Telegram,
                                                                 http: aiohttp.ClientSession) -> None:
    user = TelegramUser(telegram_stack, http)
    await user.say("hi")
    await user.say("we need better pipeline forecasting")
    assert asked(await user.say("I'm the head of revops")) == ["company_size"]
    question = telegram_stack[1].sent(user.chat_id)[-1]
    markup = question["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    keys = {b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row}
    assert set(keys) == {"Just me", "2-50", "51-200", "201-1000", "1000+"}
    replies = await user.press("51-200", keys["51-200"])
    assert said(replies, "utter_profile_thanks"), replies
    assert (await user.lead())["profile"]["company_size"] == {"min": 51, "max": 200}


async def deep_link(stack: Stack, http: aiohttp.ClientSession, session_id: str) -> str:
    async with http.get(f"{stack.serve_url}/api/visitor/telegram-link", params={"session_id": session_id}) as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    assert body["url"] == f"https://t.me/{USERNAME}?start={body['payload']}"
    return str(body["payload"])


async def test_web_then_telegram_through_the_deep_link_is_one_lead_not_asked_again(
        telegram_stack: Telegram, http: aiohttp.ClientSession) -> None:
    stack = telegram_stack[0]
    web = SocketVisitor(stack, http, sender=uuid.uuid4().hex)
    await web.connect()
    try:
        assert asked(await web.say("hi")) == ["use_case"]
        assert asked(await web.say("cleaning up our CRM data")) == ["role"]
        assert asked(await web.say("VP of sales")) == ["company_size"]
        await web.say("around 120 people")
    finally:
        await web.close()
    payload = await deep_link(stack, http, web.sender)

    user = TelegramUser(telegram_stack, http)
    replies = await user.say(f"/start {payload}")
    assert texts("utter_greet")[0] in replies, replies  # "welcome back": the web profile is loaded
    assert asked(replies) == ["timeline"], replies  # not use_case, role or company size again
    replies = await user.say("within 3 months")
    assert asked(replies) == ["email"], replies
    lead = await user.lead()
    assert lead["id"] == (await web.lead())["id"]
    assert {(i["channel"], i["sender_id"]) for i in lead["identities"]} >= {("web", web.sender),
                                                                            ("telegram", str(user.chat_id))}
    assert lead["profile"]["use_case"] == "cleaning up our CRM data"
    assert lead["profile"]["company_size"] == {"min": 120, "max": 120}
    assert "timeline" in lead["profile"]


async def test_an_existing_chat_is_linked_by_the_deep_link_too(telegram_stack: Telegram,
                                                               http: aiohttp.ClientSession) -> None:
    stack = telegram_stack[0]
    user = TelegramUser(telegram_stack, http)
    assert asked(await user.say("hi")) == ["use_case"]
    assert asked(await user.say("forecasting renewals")) == ["role"]  # the chat has its own lead now
    web = SocketVisitor(stack, http, sender=uuid.uuid4().hex)
    await web.connect()
    try:
        await web.say("hi")
        await web.say("forecasting renewals")
        await web.say("I am the CTO")
        await web.say("about 60 people")
    finally:
        await web.close()
    replies = await user.say(f"/start {await deep_link(stack, http, web.sender)}")
    assert texts("utter_greet")[0] in replies, replies
    assert asked(replies) == ["timeline"], replies
    lead = await user.lead()
    assert lead["id"] == (await web.lead())["id"]
    assert lead["profile"]["role"]["title"] == "Chief Technology Officer"


async def test_a_forged_deep_link_links_nothing(telegram_stack: Telegram, http: aiohttp.ClientSession) -> None:
    user = TelegramUser(telegram_stack, http)
    forged = "someone-elses-session" + "A" * 16
    replies = await user.say(f"/start {forged}")
    assert said(replies, "utter_greet") and asked(replies) == ["use_case"], replies
    assert [i["channel"] for i in (await user.lead())["identities"]] == ["telegram"]


async def test_telegrams_rate_limit_is_waited_out(telegram_stack: Telegram, http: aiohttp.ClientSession) -> None:
    fake = telegram_stack[1]
    user = TelegramUser(telegram_stack, http)
    await user.say("hi")  # the bot is initialised
    faults = len(fake.faults)
    fake.fail_next(429, retry_after=1)
    replies = await user.say("what does it cost?")
    assert replies and len(fake.faults) == faults + 1


async def test_the_drip_goes_out_on_telegram_and_stop_ends_it(telegram_stack: Telegram,
                                                              http: aiohttp.ClientSession) -> None:
    """A silent Telegram lead gets the drip through `nurture dispatch --once --now` as sendMessage on the fake
    Bot API; after STOP nothing more is sent, on any channel."""
    from datetime import datetime, timedelta

    from .test_followups import dispatch, noon_after

    stack, fake = telegram_stack
    user = TelegramUser(telegram_stack, http)
    await user.say("hello")
    lead = await wait_for(user.lead, lambda lead: len(lead["followups"]) >= 4)
    steps = {f["step"]: f for f in lead["followups"]}
    assert {f["channel"] for f in steps.values()} == {"telegram"}
    entered = datetime.fromisoformat(steps["welcome"]["due_at"]) - timedelta(hours=1)
    before = len(fake.texts(user.chat_id))
    dispatch(stack, noon_after(entered + timedelta(hours=1)))
    [welcome] = fake.texts(user.chat_id)[before:]
    assert "Pipewise" in welcome
    dispatch(stack, noon_after(entered + timedelta(days=2)))
    assert len(fake.texts(user.chat_id)) == before + 2
    replies = await user.say("STOP")
    assert replies, "the opt-out is confirmed"
    lead = await wait_for(user.lead, lambda lead: lead["consent"]["status"] == "opted_out")
    assert {f["status"] for f in lead["followups"]} == {"sent", "cancelled"}
    count = len(fake.texts(user.chat_id))
    for days in (5, 9, 30):
        dispatch(stack, noon_after(entered + timedelta(days=days)))
    assert len(fake.texts(user.chat_id)) == count
