"""Sales alerts: the store contract (memory, SQLite, PostgreSQL), the policy, the Slack message, the CRM copy."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nurture_engine.alerts import AlertStore, SalesAlerter
from nurture_engine.alerts_model import (
    Alert,
    AlertAction,
    AlertClick,
    AlertContext,
    AlertRules,
    AlertStatus,
    AlertTrigger,
    ChatLine,
    MessageRef,
    ScoreReason,
    StatusChange,
    chat_lines,
    context_for,
    parse_alert_rules,
    top_reasons,
    trigger_for,
)
from nurture_engine.alerts_slack import AlertDelivery, build_sinks
from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, ProfileField, ScoreItem, Stage
from nurture_engine.errors import ConfigError
from nurture_engine.fakes.slack import FakeSlackApi
from nurture_engine.service import Conversation
from nurture_engine.store.alerts_memory import MemoryAlertStore, RecordingLeadActions
from nurture_engine.store.alerts_sql import SqlAlertStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.testing import T0, memory_service

from .conftest import CHANNEL, TOKEN

RULES = AlertRules(cooldown_hours=24, snooze_hours=4)
OPEN = frozenset({AlertStatus.OPEN, AlertStatus.SNOOZED})


def ctx(lead_id: str = "lead1", trigger: AlertTrigger = AlertTrigger.STAGE_SQL, stage: Stage = Stage.SQL,
        **extra: Any) -> AlertContext:
    values: dict[str, Any] = {
        "name": "Ana Núñez", "company": "Globex & Sons", "role": "Chief Technology Officer", "score": 72.0,
        "channel": Channel.WEB,
        "reasons": (ScoreReason(signal="ask_pricing", points=10, reason="intent ask_pricing"),
                    ScoreReason(signal="seniority", points=20, reason="role seniority c_level")),
        "messages": (ChatLine(sender="lead", text="<!channel> price for 200 seats? a&b", at=T0),
                     ChatLine(sender="bot", text="Growth is $99", at=T0 + timedelta(seconds=2)))}
    values.update(extra)
    return AlertContext(lead_id=lead_id, trigger=trigger, stage=stage, **values)


def alert(at: Any = T0, **kwargs: Any) -> Alert:
    """A deterministic id per (time, context), so a test can name an alert again."""
    key = repr((at.isoformat(), sorted((k, str(v)) for k, v in kwargs.items())))
    return Alert(id=uuid.uuid5(uuid.NAMESPACE_OID, key).hex, context=ctx(**kwargs), created_at=at)


# -- the store contract ---------------------------------------------------------------------------------------
@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AlertStore]:
    if request.param == "memory":
        s: AlertStore = MemoryAlertStore()
    else:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'alerts.db'}"
        else:
            make: Callable[[], str] = request.getfixturevalue("pg_database_factory")
            url = make()
        upgrade(url)  # the real migration chain, 0005 included
        s = SqlAlertStore(url)
    await s.start()
    yield s
    await s.stop()


def quiet(at: Any) -> Any:
    return at - timedelta(hours=24)


async def test_an_alert_round_trips(store: AlertStore) -> None:
    local = T0.astimezone(timezone(timedelta(hours=-5)))
    first = alert(at=local)
    assert await store.record(first, quiet_since=quiet(local)) == first
    got = await store.get(first.id)
    assert got == first and got.created_at.tzinfo is not None
    assert got.context.messages[0].text.startswith("<!channel>") and got.context.name == "Ana Núñez"
    posted = await store.set_message(first.id, MessageRef(channel=CHANNEL, ts="1.000001"))
    assert posted is not None and posted.message == MessageRef(channel=CHANNEL, ts="1.000001")
    assert await store.get("0" * 32) is None


async def test_the_gate_allows_one_alert_per_lead_per_cooldown(store: AlertStore) -> None:
    assert await store.record(alert(T0, trigger=AlertTrigger.HUMAN_HANDOFF), quiet_since=quiet(T0)) is not None
    later = T0 + timedelta(hours=1)
    assert await store.record(alert(later, trigger=AlertTrigger.HUMAN_HANDOFF), quiet_since=quiet(later)) is None
    assert await store.record(alert(later, lead_id="lead2"), quiet_since=quiet(later)) is not None
    day = T0 + timedelta(hours=25)
    again = await store.record(alert(day, trigger=AlertTrigger.HUMAN_HANDOFF), quiet_since=quiet(day))
    assert again is not None
    assert [a.id for a in await store.for_lead("lead1")] == [again.id, alert(T0, trigger=AlertTrigger.HUMAN_HANDOFF).id]
    assert len(await store.for_lead("lead1", limit=1)) == 1


async def test_a_privacy_request_is_stored_once_a_day_past_the_gate(store: AlertStore) -> None:
    """As the alerter records it (quiet_since = now): the sales cooldown does not hold it back, the day's
    once_key does, and the next day it is stored again."""
    privacy = AlertTrigger.PRIVACY_REQUEST
    assert await store.record(alert(T0, trigger=AlertTrigger.HUMAN_HANDOFF), quiet_since=quiet(T0)) is not None
    later = T0 + timedelta(minutes=10)
    assert await store.record(alert(later, trigger=privacy), quiet_since=later) is not None
    again = T0 + timedelta(minutes=20)
    assert await store.record(alert(again, trigger=privacy), quiet_since=again) is None
    day = T0 + timedelta(days=1)
    assert await store.record(alert(day, trigger=privacy), quiet_since=day) is not None


async def test_a_stage_is_announced_once(store: AlertStore) -> None:
    assert await store.record(alert(T0), quiet_since=quiet(T0)) is not None
    week = T0 + timedelta(days=7)
    assert await store.record(alert(week), quiet_since=quiet(week)) is None
    assert await store.record(alert(week, trigger=AlertTrigger.HUMAN_HANDOFF), quiet_since=quiet(week)) is not None


async def test_concurrent_records_store_one(store: AlertStore) -> None:
    results = await asyncio.gather(*(store.record(alert(T0 + timedelta(seconds=n), trigger=AlertTrigger.HUMAN_HANDOFF),
                                                  quiet_since=quiet(T0)) for n in range(5)))
    assert sum(r is not None for r in results) == 1
    assert len(await store.for_lead("lead1")) == 1


async def test_transitions_happen_once_and_keep_feedback(store: AlertStore) -> None:
    first = await store.record(alert(T0), quiet_since=quiet(T0))
    assert first is not None
    claim = StatusChange(status=AlertStatus.CLAIMED, at=T0, by="slack:U1", allowed_from=OPEN)
    claimed = await store.transition(first.id, claim)
    assert claimed is not None and claimed.status is AlertStatus.CLAIMED and claimed.status_by == "slack:U1"
    assert await store.transition(first.id, StatusChange(status=AlertStatus.CLAIMED, at=T0, by="slack:U2",
                                                         allowed_from=OPEN)) is None
    unfit = await store.transition(first.id, StatusChange(status=AlertStatus.NOT_A_FIT, at=T0, by="slack:U1",
                                                          allowed_from=OPEN | {AlertStatus.CLAIMED},
                                                          feedback="students only"))
    assert unfit is not None and unfit.feedback == "students only"
    reopened = await store.transition(first.id, StatusChange(status=AlertStatus.OPEN, at=T0, by=None,
                                                             allowed_from=frozenset(AlertStatus)))
    assert reopened is not None and reopened.feedback == "students only"
    assert await store.transition("0" * 32, claim) is None


async def test_due_snoozed(store: AlertStore) -> None:
    first = await store.record(alert(T0), quiet_since=quiet(T0))
    assert first is not None
    until = T0 + timedelta(hours=4)
    await store.transition(first.id, StatusChange(status=AlertStatus.SNOOZED, at=T0, by="slack:U1",
                                                  allowed_from=OPEN, snoozed_until=until))
    assert await store.due_snoozed(until - timedelta(seconds=1)) == []
    [due] = await store.due_snoozed(until)
    assert due.id == first.id and due.snoozed_until == until


async def test_erase_and_merge(store: AlertStore) -> None:
    await store.record(alert(T0), quiet_since=quiet(T0))
    await store.record(alert(T0, lead_id="lead2"), quiet_since=quiet(T0))
    assert await store.move_lead("lead2", "lead1") == 1
    assert {a.lead_id for a in await store.for_lead("lead1")} == {"lead1"} and len(await store.for_lead("lead1")) == 2
    later = T0 + timedelta(hours=30)
    assert await store.record(alert(later), quiet_since=quiet(later)) is None  # lead1 was announced already
    assert await store.erase_lead("lead1") == 2
    assert await store.for_lead("lead1") == []
    assert await store.record(alert(T0 + timedelta(minutes=1)), quiet_since=quiet(T0)) is not None  # gate gone


# -- the alerter and the Slack message -------------------------------------------------------------------------
def slack_env(slack: FakeSlackApi, **extra: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SALES_CHANNEL": CHANNEL, "SLACK_API_BASE_URL": f"{slack.url}/api/",
            **extra}


def make_alerter(env: dict[str, str], clock: FrozenClock, store: AlertStore | None = None,
                 actions: RecordingLeadActions | None = None, rules: AlertRules = RULES) -> SalesAlerter:
    sinks = build_sinks(AlertDelivery.from_env(env), clock=clock, rules=rules)
    return SalesAlerter(store=store or MemoryAlertStore(), clock=clock, lead_actions=actions or RecordingLeadActions(),
                        rules=rules, sinks=sinks)


def texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_an_sql_lead_is_posted_with_its_blocks(slack: FakeSlackApi) -> None:
    alerter = make_alerter(slack_env(slack), FrozenClock(T0))
    await alerter.start()
    raised = await alerter.maybe_alert(ctx())
    await alerter.stop()
    assert raised is not None and raised.status is AlertStatus.OPEN
    [params] = slack.messages()
    assert params["channel"] == CHANNEL
    assert "New sales-qualified lead" in params["text"] and "Globex &amp; Sons" in params["text"]
    blocks = params["blocks"]
    assert blocks[0]["type"] == "header"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in blocks[1]["fields"]}
    assert fields == {"*Name*": "Ana Núñez", "*Company*": "Globex &amp; Sons", "*Role*": "Chief Technology Officer",
                      "*Stage*": "sql", "*Score*": "72", "*Channel*": "web"}
    body = texts(blocks)
    assert "intent ask_pricing (+10)" in body and "role seniority c_level (+20)" in body
    assert "&lt;!channel&gt; price for 200 seats? a&amp;b" in body and "<!channel>" not in body
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(b["action_id"], b["value"]) for b in actions["elements"]] == [
        ("sales_claim", raised.id), ("sales_not_a_fit", raised.id), ("sales_snooze", raised.id)]
    assert actions["elements"][2]["text"]["text"] == "Snooze 4 h"
    assert raised.message is not None and raised.message.channel == CHANNEL and raised.message.ts


async def test_one_alert_per_lead_per_stage(slack: FakeSlackApi) -> None:
    clock = FrozenClock(T0)
    alerter = make_alerter(slack_env(slack), clock)
    assert await alerter.maybe_alert(ctx()) is not None
    clock.advance(timedelta(days=3))
    assert await alerter.maybe_alert(ctx()) is None
    assert await alerter.maybe_alert(ctx(lead_id="lead2")) is not None
    assert len(slack.messages()) == 2 and len(await alerter.alerts_for("lead1")) == 1


async def test_handoffs_within_the_cooldown_alert_once(slack: FakeSlackApi) -> None:
    clock = FrozenClock(T0)
    alerter = make_alerter(slack_env(slack), clock)
    handoff = ctx(trigger=AlertTrigger.HUMAN_HANDOFF, stage=Stage.MQL)
    assert await alerter.maybe_alert(handoff) is not None
    clock.advance(timedelta(hours=2))
    assert await alerter.maybe_alert(handoff) is None
    assert await alerter.maybe_alert(ctx()) is None  # reaching sql two hours later: sales already has the lead
    clock.advance(timedelta(hours=23))
    again = await alerter.maybe_alert(handoff)
    assert again is not None and len(slack.messages()) == 2
    assert "A lead asks for a human" in slack.messages()[1]["text"]


@pytest.mark.parametrize("stage", [Stage.DISQUALIFIED, Stage.CUSTOMER])
async def test_customers_and_disqualified_leads_are_not_announced(slack: FakeSlackApi, stage: Stage) -> None:
    alerter = make_alerter(slack_env(slack), FrozenClock(T0))
    assert await alerter.maybe_alert(ctx(trigger=AlertTrigger.HUMAN_HANDOFF, stage=stage)) is None
    assert slack.calls == []


async def test_without_slack_alerts_are_recorded_and_it_is_said_once(slack: FakeSlackApi,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nurture_engine")
    store = MemoryAlertStore()
    alerter = make_alerter({"SLACK_BOT_TOKEN": TOKEN, "SLACK_SALES_CHANNEL": ""}, FrozenClock(T0), store)
    first = await alerter.maybe_alert(ctx())
    second = await alerter.maybe_alert(ctx(lead_id="lead2"))
    assert first is not None and second is not None and first.message is None
    assert set(store.alerts) == {first.id, second.id} and slack.calls == []
    assert sum("not sent to Slack" in r.message for r in caplog.records) == 1
    assert sum(f"alert {first.id} for lead lead1" in r.message for r in caplog.records) == 1


async def test_a_slack_outage_is_logged_not_raised(slack: FakeSlackApi, caplog: pytest.LogCaptureFixture) -> None:
    slack.fail_next(503, times=3)  # the first try and both retries
    alerter = make_alerter(slack_env(slack), FrozenClock(T0))
    raised = await alerter.maybe_alert(ctx())
    assert raised is not None and raised.message is None
    assert len(slack.faults) == 3 and slack.messages() == []
    assert any("chat.postMessage of alert" in r.message and "HTTP 503" in r.message for r in caplog.records)


async def test_a_rate_limit_is_retried_after_retry_after(slack: FakeSlackApi) -> None:
    slack.fail_next(429, retry_after=1)
    raised = await make_alerter(slack_env(slack), FrozenClock(T0)).maybe_alert(ctx())
    assert raised is not None and raised.message is not None
    assert len(slack.faults) == 1 and len(slack.messages()) == 1


async def test_snooze_holds_new_alerts_then_reminds(slack: FakeSlackApi) -> None:
    clock, actions = FrozenClock(T0), RecordingLeadActions()
    alerter = make_alerter(slack_env(slack), clock, actions=actions)
    first = await alerter.maybe_alert(ctx(trigger=AlertTrigger.HUMAN_HANDOFF, stage=Stage.MQL))
    assert first is not None
    snoozed = await alerter.handle_click(AlertClick(action=AlertAction.SNOOZE, alert_id=first.id, user_id="U1"))
    assert snoozed is not None and snoozed.snoozed_until == T0 + timedelta(hours=4)
    assert actions.snoozes == [(first.id, T0 + timedelta(hours=4))]
    assert await alerter.remind_due() == []
    clock.advance(timedelta(hours=4))
    [reminded] = await alerter.remind_due()
    assert reminded.status is AlertStatus.OPEN and len(slack.messages()) == 2
    assert slack.messages()[1]["blocks"][-1]["elements"][0]["value"] == first.id
    assert first.message is not None and reminded.message is not None and reminded.message != first.message
    assert await alerter.remind_due() == []


async def test_a_snoozed_lead_is_not_announced_until_the_snooze_ends(slack: FakeSlackApi) -> None:
    clock = FrozenClock(T0)
    alerter = make_alerter(slack_env(slack), clock, rules=AlertRules(cooldown_hours=24, snooze_hours=48))
    first = await alerter.maybe_alert(ctx(trigger=AlertTrigger.HUMAN_HANDOFF, stage=Stage.MQL))
    assert first is not None
    await alerter.handle_click(AlertClick(action=AlertAction.SNOOZE, alert_id=first.id, user_id="U1"))
    clock.advance(timedelta(hours=30))  # past the cooldown, still snoozed
    assert await alerter.maybe_alert(ctx()) is None
    clock.advance(timedelta(hours=49))
    assert await alerter.maybe_alert(ctx()) is not None


# -- the CRM webhook --------------------------------------------------------------------------------------------
@pytest.fixture
async def crm() -> AsyncIterator[tuple[TestServer, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks/nurture", hook)
    server = TestServer(app)
    await server.start_server()
    yield server, received
    await server.close()


async def test_the_crm_gets_a_signed_copy(slack: FakeSlackApi, crm: Any) -> None:
    server, received = crm
    env = slack_env(slack, NURTURE_CRM_WEBHOOK_URL=str(server.make_url("/hooks/nurture")),
                    NURTURE_CRM_WEBHOOK_SECRET="crm-s3cret")
    alerter = make_alerter(env, FrozenClock(T0))
    await alerter.start()
    raised = await alerter.maybe_alert(ctx())
    assert raised is not None
    await alerter.handle_click(AlertClick(action=AlertAction.CLAIM, alert_id=raised.id, user_id="U7"))
    await alerter.stop()
    assert len(received) == 2
    headers, body = received[0]
    timestamp = headers["X-Nurture-Timestamp"]
    assert timestamp == str(int(T0.timestamp()))
    expected = hmac.new(b"crm-s3cret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Nurture-Signature"] == f"sha256={expected}"
    created, updated = (json.loads(b) for _, b in received)
    assert created["event"] == "alert.created" and created["alert"]["id"] == raised.id
    assert created["alert"]["context"]["company"] == "Globex & Sons"
    assert updated["event"] == "alert.updated" and updated["alert"]["status"] == "claimed"
    assert updated["alert"]["status_by"] == "slack:U7"


async def test_a_crm_outage_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    env = {"NURTURE_CRM_WEBHOOK_URL": "http://127.0.0.1:9/hook?token=secret-in-url",
           "NURTURE_CRM_WEBHOOK_SECRET": "crm-s3cret"}
    alerter = make_alerter(env, FrozenClock(T0))
    await alerter.start()
    assert await alerter.maybe_alert(ctx()) is not None
    await alerter.stop()
    failures = [r.message for r in caplog.records if "CRM webhook" in r.message]
    assert failures and "127.0.0.1" in failures[0] and "secret-in-url" not in " ".join(failures)


# -- building the context ---------------------------------------------------------------------------------------
def test_top_reasons_sum_repeats_and_rank() -> None:
    items = [ScoreItem(signal="reply", points=1, reason=f"sent a message on web #{n}", at=T0 + timedelta(minutes=n),
                       decays=True) for n in range(3)]
    items += [ScoreItem(signal="seniority", points=20, reason="c-level", at=T0, decays=False),
              ScoreItem(signal="ask_pricing", points=10, reason="intent ask_pricing", at=T0, decays=True),
              ScoreItem(signal="competitor", points=-40, reason="works at a competitor", at=T0, decays=False)]
    reasons = top_reasons(items, T0 + timedelta(days=14), half_life_days=14, limit=3)
    assert [(r.signal, r.points, r.reason) for r in reasons] == [
        ("seniority", 20, "c-level"), ("ask_pricing", 5, "intent ask_pricing"),
        ("reply", 1.5, "sent a message on web #2")]


def test_chat_lines_from_tracker_events() -> None:
    events = [{"event": "action", "name": "action_listen", "timestamp": 1},
              {"event": "user", "text": "I need a human", "timestamp": T0.timestamp()},
              {"event": "bot", "text": "", "timestamp": T0.timestamp()},
              {"event": "bot", "text": "Sure, a colleague will write.", "timestamp": T0.timestamp() + 1},
              {"event": "user", "text": "x" * 900, "timestamp": T0.timestamp() + 2}]
    lines = chat_lines(events, limit=2)
    assert [(line.sender, line.at) for line in lines] == [("bot", T0 + timedelta(seconds=1)),
                                                          ("lead", T0 + timedelta(seconds=2))]
    assert len(lines[1].text) == 500 and chat_lines(events, limit=0) == ()


async def test_context_for_a_real_lead_view() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.TELEGRAM, sender_id="t-1")
    await service.record_answers(conv, {ProfileField.NAME: "ana", ProfileField.ROLE: "CTO",
                                        ProfileField.COMPANY: "Globex"})
    lead = await service.lookup(conv)
    assert lead is not None
    context = context_for(await service.view(lead.id), trigger=AlertTrigger.HUMAN_HANDOFF, channel=Channel.TELEGRAM,
                          now=T0, half_life_days=14, rules=AlertRules(top_reasons=1, last_messages=1),
                          messages=(ChatLine(sender="lead", text="a", at=T0), ChatLine(sender="lead", text="b", at=T0)))
    assert (context.name, context.company, context.role) == ("Ana", "Globex", "Chief Technology Officer")
    assert len(context.reasons) == 1 and context.reasons[0].points > 0
    assert [m.text for m in context.messages] == ["b"]
    assert AlertContext.from_json(json.loads(json.dumps(context.to_json()))) == context


def test_triggers() -> None:
    assert trigger_for(intent="human_handoff") is AlertTrigger.HUMAN_HANDOFF
    assert trigger_for(stage=Stage.MQL, intent="contact_sales") is AlertTrigger.HUMAN_HANDOFF
    assert trigger_for(stage=Stage.SQL, intent="greet") is AlertTrigger.STAGE_SQL
    assert trigger_for(stage=Stage.MQL, intent="greet") is None


def test_alert_rules_from_nurture_yml() -> None:
    assert parse_alert_rules(None) == AlertRules()
    assert parse_alert_rules({"cooldown_hours": 12, "snooze_hours": 1.5}) == AlertRules(cooldown_hours=12,
                                                                                          snooze_hours=1.5)
    for bad in ({"cooldown": 1}, {"snooze_hours": 0}, {"top_reasons": 2.5}, {"cooldown_hours": "1"},
                {"last_messages": True}):
        with pytest.raises(ConfigError):
            parse_alert_rules(bad)
