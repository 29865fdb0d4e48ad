"""`nurture telegram set-webhook` / `webhook-info` against the fake Bot API (running on its own thread,
since the command runs its own event loop)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from nurture_engine.cli import build_parser
from nurture_engine.fakes.telegram import TOKEN, FakeTelegramApi
from nurture_engine.testing import test_settings

URL = "https://bots.example.test/webhooks/telegram/webhook"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegramApi]:
    api = FakeTelegramApi()
    api.start_in_thread()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "cli-secret_123")
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", api.base_url)
    yield api
    api.stop_thread()


def run(*argv: str) -> int:
    args = build_parser().parse_args(list(argv))
    return int(args.func(test_settings(), args))


def test_set_webhook_sends_the_secret_and_the_update_kinds(fake: FakeTelegramApi,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run("telegram", "set-webhook", "--url", URL, "--drop-pending-updates") == 0
    [call] = fake.calls_to("setWebhook")
    assert call.params == {"url": URL, "secret_token": "cli-secret_123",
                           "allowed_updates": ["message", "callback_query"], "drop_pending_updates": True}
    shown = json.loads(capsys.readouterr().out)
    assert shown["url"] == URL and shown["allowed_updates"] == ["message", "callback_query"]
    assert run("telegram", "webhook-info") == 0
    assert json.loads(capsys.readouterr().out)["bot"] == "nurture_fake_bot"


def test_set_webhook_needs_a_usable_secret(fake: FakeTelegramApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from nurture_engine.errors import ConfigError

    for secret in ("", "has spaces"):
        monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
        with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):  # main() prints it, exit status 2
            run("telegram", "set-webhook", "--url", URL)
    assert fake.calls_to("setWebhook") == []


def test_telegram_errors_are_reported_without_the_token(fake: FakeTelegramApi, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:wrong")
    assert run("telegram", "webhook-info") == 1
    err = capsys.readouterr().err
    assert "InvalidToken" in err and "1:wrong" not in err
