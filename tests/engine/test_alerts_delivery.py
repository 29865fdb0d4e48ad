"""Sales alerts delivered: the alerter's policy, the Slack message (blocks, outages, rate limits, snoozes) and the
signed CRM copy."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from nurture_engine.alerts import AlertStore, SalesAlerter
from nurture_engine.alerts_model import (
    AlertAction,
    AlertClick,
    AlertRules,
    AlertStatus,
    AlertTrigger,
)
from nurture_engine.alerts_slack import AlertDelivery, build_sinks
from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Stage
from nurture_engine.fakes.slack import FakeSlackApi
from nurture_engine.store.alerts_memory import MemoryAlertStore, RecordingLeadActions
from nurture_engine.testing import T0

from .conftest import CHANNEL, TOKEN
from .test_alerts import RULES, ctx


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
