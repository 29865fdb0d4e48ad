"""The fake Slack Web API, driven by slack_sdk's real AsyncWebClient."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from nurture_engine.fakes.slack import BOT_USER_ID, FakeSlackApi, sign

from .conftest import SLACK_TOKEN as TOKEN


def client(fake: FakeSlackApi, token: str = TOKEN, **kwargs: object) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=f"{fake.url}/api/", **kwargs)  # type: ignore[arg-type]


async def test_auth_test_identifies_the_bot(fake: FakeSlackApi) -> None:
    result = await client(fake).auth_test()
    assert result["ok"] and result["user_id"] == BOT_USER_ID
    assert fake.calls_to("auth.test")[0].headers["Authorization"] == f"Bearer {TOKEN}"


async def test_a_wrong_token_is_invalid_auth_and_not_recorded(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client(fake, token="xoxb-wrong").chat_postMessage(channel="D1", text="hi")
    assert raised.value.response["error"] == "invalid_auth"
    assert fake.calls == []


async def test_post_message_answers_like_slack(fake: FakeSlackApi) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    first = await client(fake).chat_postMessage(channel="D1", text="hi", blocks=blocks, thread_ts="1.2")
    second = await client(fake).chat_postMessage(channel="D1", text="again")
    assert first["channel"] == "D1" and first["message"]["blocks"] == blocks
    assert first["message"]["thread_ts"] == "1.2" and first["message"]["user"] == BOT_USER_ID
    assert float(second["ts"]) > float(first["ts"])
    assert [m["text"] for m in fake.messages("D1")] == ["hi", "again"]


async def test_form_bodies_and_body_tokens_are_accepted(fake: FakeSlackApi) -> None:
    anonymous = AsyncWebClient(base_url=f"{fake.url}/api/")
    result = await anonymous.api_call("chat.postMessage", data={"token": TOKEN, "channel": "C1", "text": "form",
                                                                "blocks": '[{"type": "divider"}]'})
    assert result["ok"]
    call = fake.calls_to("chat.postMessage")[0]
    assert call.params["blocks"] == [{"type": "divider"}] and "token" not in call.params


async def test_missing_fields_are_slack_errors(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client(fake).api_call("chat.postMessage", json={"channel": "D1"})
    assert raised.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as raised:
        await client(fake).api_call("no.such.method", json={})
    assert raised.value.response["error"] == "unknown_method"


async def test_update_and_open(fake: FakeSlackApi) -> None:
    opened = await client(fake).conversations_open(users="U123")
    assert opened["channel"]["id"] == "D123"
    updated = await client(fake).chat_update(channel="D123", ts="1.000001", text="edited", blocks=[])
    assert updated["ts"] == "1.000001" and updated["text"] == "edited"


async def test_rate_limit_is_429_with_retry_after(fake: FakeSlackApi) -> None:
    fake.fail_next(429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client(fake).chat_postMessage(channel="D1", text="hi")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert len(fake.faults) == 1 and fake.calls == []


async def test_the_retry_handler_honours_retry_after(fake: FakeSlackApi) -> None:
    fake.fail_next(429, retry_after=1)
    retrying = client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    started = time.monotonic()
    result = await retrying.chat_postMessage(channel="D1", text="hi")
    assert result["ok"]
    assert len(fake.faults) == 1 and len(fake.messages()) == 1
    assert fake.calls[0].at - fake.faults[0].at >= 1.0
    assert time.monotonic() - started >= 1.0


async def test_server_errors_can_be_injected(fake: FakeSlackApi) -> None:
    fake.fail_next(503)
    with pytest.raises(SlackApiError) as raised:
        await client(fake).chat_postMessage(channel="D1", text="hi")
    assert raised.value.response.status_code == 503


def test_sign_matches_slack_sdk_verifier() -> None:
    body = '{"type":"url_verification","challenge":"abc"}'
    headers = sign(body, "s3cret")
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign(body, "s3cret", timestamp=int(time.time()) - 301)
    assert not verifier.is_valid_request(body, stale)
