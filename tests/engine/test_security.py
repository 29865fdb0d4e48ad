"""Edge hardening of nurture serve (constant-time tokens, rate and size limits), log redaction and secret
masking, the CORS origins of the Rasa server, and `nurture doctor`."""

from __future__ import annotations

import dataclasses
import hmac
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.api import app as app_module
from nurture_engine.api import create_app
from nurture_engine.api.middleware import DEFAULT_LIMITS, Rate, TokenBuckets, parse_limits
from nurture_engine.doctor import Status, render, run_checks
from nurture_engine.errors import ConfigError
from nurture_engine.logs import JsonFormatter, configure_logging, secret_values
from nurture_engine.metrics import NurtureMetrics, parse_text
from nurture_engine.redact import redact
from nurture_engine.stack import stack_processes
from nurture_engine.testing import PROJECT_ROOT, memory_service, test_settings

ADMIN = "security-admin-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
TIGHT = {"admin_per_ip": {"rate": 1, "burst": 3}, "visitor_per_ip": {"rate": 1, "burst": 6},
         "visitor_per_session": {"rate": 1, "burst": 2}, "max_body_bytes": 1024, "max_query_bytes": 256}


@pytest.fixture
async def tight() -> AsyncIterator[tuple[TestClient, NurtureMetrics]]:
    base = test_settings(NURTURE_ADMIN_TOKEN=ADMIN)
    settings = dataclasses.replace(base, raw={**base.raw, "limits": TIGHT})
    service, _, _ = memory_service(settings)
    metrics = NurtureMetrics()
    async with TestClient(TestServer(create_app(service, settings, metrics=metrics))) as c:
        yield c, metrics


async def test_the_admin_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(app_module.hmac, "compare_digest", spy)
    settings = test_settings(NURTURE_ADMIN_TOKEN=ADMIN)
    service, _, _ = memory_service(settings)
    async with TestClient(TestServer(create_app(service, settings))) as c:
        for given in ("x", ADMIN[:-1], ADMIN + "x", ADMIN):  # a shorter or longer guess takes the same path
            await c.get("/api/leads", headers={"Authorization": f"Bearer {given}"})
    assert seen == [(g.encode(), ADMIN.encode()) for g in ("x", ADMIN[:-1], ADMIN + "x", ADMIN)]


async def test_admin_requests_over_the_per_ip_budget_get_429_with_retry_after(
        tight: tuple[TestClient, NurtureMetrics]) -> None:
    c, metrics = tight
    statuses = [(await c.get("/api/leads", headers=AUTH)).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = await c.get("/api/leads", headers={"Authorization": "Bearer guess"})  # guesses are limited too
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    assert (await c.get("/api/health")).status == 200  # health stays open for the supervisor
    got = {(n, tuple(sorted(lb.items()))): v for n, lb, v in parse_text(metrics.render())}
    assert got[("nurture_rate_limited_total", (("scope", "admin_ip"),))] == 1


async def test_each_widget_session_has_its_own_budget_inside_the_per_ip_one(
        tight: tuple[TestClient, NurtureMetrics]) -> None:
    c, _ = tight
    path = "/api/visitor/telegram-link"
    a = [(await c.get(path, params={"session_id": "session-a"})).status for _ in range(3)]
    assert a[:2] != [429, 429] and a[2] == 429
    b = [(await c.get(path, params={"session_id": "session-b"})).status for _ in range(2)]
    assert 429 not in b
    # 5 requests so far from this address; its bucket holds 6
    assert (await c.get(path, params={"session_id": "session-c"})).status != 429
    resp = await c.get(path, params={"session_id": "session-d"})
    assert resp.status == 429 and "address" in (await resp.json())["error"]


async def test_marking_inbox_messages_read_counts_against_the_session_named_in_the_body(
        tight: tuple[TestClient, NurtureMetrics]) -> None:
    c, metrics = tight

    async def mark(session: str) -> int:
        return (await c.post("/api/inbox/read", json={"session_id": session, "ids": ["m1"]})).status

    a = [await mark("session-a") for _ in range(3)]
    assert 429 not in a[:2] and a[2] == 429
    assert await mark("session-b") != 429  # another visitor from the same address still has a budget
    got = {(n, tuple(sorted(lb.items()))): v for n, lb, v in parse_text(metrics.render())}
    assert got[("nurture_rate_limited_total", (("scope", "visitor_session"),))] == 1


async def test_oversized_bodies_and_query_strings_are_refused(tight: tuple[TestClient, NurtureMetrics]) -> None:
    c, _ = tight
    big = json.dumps({"session_id": "s" * 10, "ids": ["x" * 2000]})
    refused = await c.post("/api/inbox/read", data=big)
    assert refused.status == 413 and refused.headers["Connection"] == "close"  # the unread body ends the connection
    assert (await c.get("/api/health")).status == 200  # and the client's next request is not reset

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: the read limit applies
        for _ in range(8):
            yield b"x" * 512

    resp = await c.post("/api/leads", data=chunked(), headers=AUTH)
    assert resp.status in {405, 413}
    assert (await c.get("/api/leads", params={"q": "x" * 300}, headers=AUTH)).status == 414


def test_token_buckets_refill_and_forget_the_oldest_keys() -> None:
    now = [0.0]
    buckets = TokenBuckets(Rate(rate=2, burst=2), max_keys=3, now=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert buckets.take("a") == 0
    for key in "bcdef":
        buckets.take(key)
    assert len(buckets) == 3


def test_the_limits_section_is_checked() -> None:
    assert parse_limits(None) == DEFAULT_LIMITS
    assert parse_limits({"admin_per_ip": {"rate": 5, "burst": 10}}).admin_per_ip == Rate(rate=5, burst=10)
    for bad in ({"admin": {}}, {"admin_per_ip": {"rate": 0, "burst": 1}}, {"visitor_per_ip": {"rate": 1}},
                {"max_body_bytes": -1}, {"max_query_bytes": True}, ["x"]):
        with pytest.raises(ConfigError, match="limits"):
            parse_limits(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("lead a5754a72f3456789e99b0c1d2e3f4a5b claimed", "lead a5754a72f3456789e99b0c1d2e3f4a5b claimed"),
    ("id 123e4567-e89b-12d3-a456-426614174000", "id 123e4567-e89b-12d3-a456-426614174000"),
    ("due 2026-11-26T09:00:00+00:00", "due 2026-11-26T09:00:00+00:00"),
    ("Goin' Fast @ http://127.0.0.1:33191", "Goin' Fast @ http://127.0.0.1:33191"),
    ("from 10.20.30.40", "from 10.20.30.40"),
    ("555.123.4567", "[phone]"),
    ("call +44 20 7946 0958 today", "call [phone] today"),
    ("(555) 123-4567", "[phone]"),
    ("phone:+4915112345678.", "phone:[phone]."),
    ("my number is 555 123 4567", "my number is [phone]"),
    ("+1-555-123-4567", "[phone]"),
    ("write to Ana.Nunez+crm@globex.co.uk", "write to [email]"),
])
def test_redaction_masks_phones_and_emails_but_not_ids_or_dates(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.fixture
def restore_logging() -> Iterator[None]:
    factory, root = logging.getLogRecordFactory(), logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    logging.setLogRecordFactory(factory)
    root.handlers, root.level = handlers, level


def test_secrets_from_the_env_never_reach_any_handler(restore_logging: None) -> None:
    env = {"NURTURE_ADMIN_TOKEN": "admin-" + "s" * 30, "TELEGRAM_BOT_TOKEN": "123456:AAbotsecret-xyz",
           "SLACK_SIGNING_SECRET": "signing-" + "z" * 20, "NURTURE_LOG_LEVEL": "INFO"}
    configure_logging("INFO", "json", env)
    own = io.StringIO()  # a handler a library adds later, without our filter (as sanic does)
    foreign = logging.StreamHandler(own)
    logging.getLogger("sanic.error").addHandler(foreign)
    try:
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage",
                                        env["TELEGRAM_BOT_TOKEN"])
        logging.getLogger("sanic.error").error("Exception while handling uri: '/webhook?token=%s'",
                                               env["NURTURE_ADMIN_TOKEN"])
    finally:
        logging.getLogger("sanic.error").removeHandler(foreign)
    text = own.getvalue()
    assert "[secret]" in text and env["NURTURE_ADMIN_TOKEN"] not in text
    assert set(secret_values(env)) == {env["NURTURE_ADMIN_TOKEN"], env["TELEGRAM_BOT_TOKEN"],
                                       env["SLACK_SIGNING_SECRET"]}


def test_json_log_lines_carry_level_logger_and_a_redacted_exception() -> None:
    record = logging.LogRecord("nurture.x", logging.ERROR, __file__, 1, "failed for %s", ("lead-1",), None)
    try:
        raise ValueError("mail ana@globex.com key k-1234567890abcdef")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    line: dict[str, Any] = json.loads(JsonFormatter(["k-1234567890abcdef"]).format(record))
    assert line["level"] == "ERROR" and line["logger"] == "nurture.x" and line["message"] == "failed for lead-1"
    assert line["ts"].endswith("+00:00")
    assert "[email]" in line["exception"] and "[secret]" in line["exception"]
    assert "ana@globex.com" not in line["exception"]


def test_rasa_cors_origins_come_from_the_environment() -> None:
    model = PROJECT_ROOT / "models" / "nurture.tar.gz"

    def cors(**env: str) -> list[str]:
        argv = next(p.argv for p in stack_processes(test_settings(**env), model=model, serve_port=8123)
                    if p.name == "rasa")
        return argv[argv.index("--cors") + 1:]

    assert cors() == ["http://localhost:8123", "http://127.0.0.1:8123"]
    assert cors(NURTURE_CORS_ORIGINS="https://www.example.com, https://shop.example.com") == [
        "https://www.example.com", "https://shop.example.com"]


def test_doctor_flags_unsafe_settings_and_fails(tmp_path: Path) -> None:
    from nurture_engine.store.migrate import upgrade

    db = tmp_path / "n.db"
    upgrade(f"sqlite:///{db}")
    env = {"NURTURE_HOME": str(PROJECT_ROOT), "NURTURE_DATABASE_URL": f"sqlite:///{db}",
           "NURTURE_ADMIN_TOKEN": "short", "NURTURE_ACTION_TOKEN": "a" * 32, "RASA_TOKEN": "r" * 32,
           "TELEGRAM_BOT_TOKEN": "1:abc", "NURTURE_CORS_ORIGINS": "*", "NURTURE_RABBITMQ_URL": "amqp://x"}
    checks = {c.name: c for c in run_checks(env)}
    assert checks["NURTURE_ADMIN_TOKEN"].status is Status.FAIL
    assert checks["NURTURE_ACTION_TOKEN"].status is Status.OK
    assert checks["telegram"].status is Status.FAIL
    assert checks["CORS"].status is Status.WARN
    assert checks["database setup"].status is Status.WARN and "SQLite" in checks["database setup"].detail
    table = render(list(checks.values()))
    assert "FAIL" in table and "short" not in table  # no token value in the report
    good = {**env, "NURTURE_ADMIN_TOKEN": "g" * 32, "TELEGRAM_WEBHOOK_SECRET": "w" * 32,
            "NURTURE_CORS_ORIGINS": "https://www.example.com", "NURTURE_RABBITMQ_URL": ""}
    good = {k: v for k, v in good.items() if v}
    results = run_checks(good)
    assert all(c.status is Status.OK for c in results), render(results)


def test_doctor_reports_a_broken_config_and_an_unmigrated_database(tmp_path: Path) -> None:
    bad = tmp_path / "nurture.yml"
    bad.write_text("limits: [1\n", encoding="utf-8")
    [check] = run_checks({"NURTURE_HOME": str(PROJECT_ROOT), "NURTURE_CONFIG": str(bad)})
    assert check.status is Status.FAIL and "YAML" in check.detail
    empty = tmp_path / "empty.db"
    empty.touch()
    checks = {c.name: c for c in run_checks({"NURTURE_HOME": str(PROJECT_ROOT),
                                             "NURTURE_DATABASE_URL": f"sqlite:///{empty}"})}
    assert checks["database"].status is Status.FAIL and "db upgrade" in checks["database"].detail


@pytest.mark.parametrize(("sender", "ok"), [("visitor-1", True), ("s\ud800", False), ("a" * 256, False),
                                            ("a\x00b", False), ("", False), (42, False), ("ü👩‍💻", True)])
def test_the_channel_guard_keeps_sender_ids_rasa_cannot_store_away(sender: Any, ok: bool) -> None:
    from nurture_engine.channels.guard import sender_problem

    assert (sender_problem(sender) is None) is ok


async def test_the_guard_drops_a_message_before_rasa_sees_it() -> None:
    from types import SimpleNamespace

    from nurture_engine.channels.guard import guarded

    seen: list[Any] = []

    async def rasa(message: Any) -> None:
        seen.append(message)

    handle = guarded(rasa, "socketio")
    await handle(SimpleNamespace(sender_id="s\udfff", text="hi"))
    await handle(SimpleNamespace(sender_id="ok", text="x" * 5000))
    await handle(SimpleNamespace(sender_id="ok", text="hi \u202e <script>"))
    assert [m.text for m in seen] == ["hi \u202e <script>"]


@pytest.mark.parametrize(("body", "status"), [
    ([], 400), (None, 400), ("x", 400), ({"sender": "a", "message": 5}, 400),
    ({"sender": {"a": 1}, "message": "hi"}, 400),
    ({"sender": "a", "message": "x" * 4001}, 413), ({"sender": "a" * 300, "message": "hi"}, 413),
    ({"sender": "a\ud800", "message": "hi"}, 400), ({"sender": "a", "message": "hi", "metadata": "m"}, 400),
])
def test_the_rest_channel_refuses_bodies_rasa_would_choke_on(body: Any, status: int) -> None:
    from nurture_engine.channels.rest import problem

    found = problem(body)
    assert found is not None and found[0] == status
    assert problem({"sender": 42, "message": "hi"}) is None and problem({"message": "hi"}) is None


async def test_malformed_engine_io_polling_gets_400_not_500() -> None:
    from nurture_engine.channels.socketio import tolerant

    async def engineio(request: Any) -> Any:
        raise TypeError('can only concatenate str (not "NoneType") to str')  # its POST-without-sid bug

    response = await tolerant(engineio)(object())
    assert response.status == 400
