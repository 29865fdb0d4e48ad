"""POST /slack/actions: signed Slack clicks on the alert buttons, against the fake Slack Web API."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from nurture_engine.alerts import SalesAlerter
from nurture_engine.alerts_model import Alert, AlertStatus
from nurture_engine.alerts_slack import AlertDelivery, build_sinks
from nurture_engine.api import create_app
from nurture_engine.api.slack_actions import MAX_BODY_BYTES, SlackActionRoute, add_slack_action_routes
from nurture_engine.clock import FrozenClock
from nurture_engine.fakes.slack import FakeSlackApi, block_actions, form_payload, sign
from nurture_engine.store.alerts_memory import MemoryAlertStore, RecordingLeadActions
from nurture_engine.testing import T0, memory_service, test_settings

from .conftest import CHANNEL, TOKEN
from .test_alerts import RULES, ctx

SECRET = "slack-signing-s3cret"
NOW = int(T0.timestamp())
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Rig:
    client: TestClient
    slack: FakeSlackApi
    route: SlackActionRoute
    alerter: SalesAlerter
    store: MemoryAlertStore
    actions: RecordingLeadActions
    alert: Alert
    clock: FrozenClock

    def click(self, action_id: str, *, user: str = "U0SALES1", value: str | None = None,
              feedback: str | None = None) -> str:
        """The form body Slack posts when `user` clicks `action_id` on the alert's message."""
        assert self.alert.message is not None
        [posted] = self.slack.messages()
        message = {"ts": self.alert.message.ts, "text": posted["text"], "blocks": posted["blocks"]}
        payload = block_actions(user=user, channel=CHANNEL, message=message, action_id=action_id,
                                value=value or self.alert.id)
        if feedback is not None:
            payload["state"] = {"values": {"sales_feedback": {"sales_feedback_text": {
                "type": "plain_text_input", "value": feedback}}}}
        return form_payload(payload)

    async def post(self, body: str, *, timestamp: int = NOW, secret: str = SECRET) -> int:
        resp = await self.client.post("/slack/actions", data=body, headers={**FORM, **sign(body, secret,
                                                                                              timestamp=timestamp)})
        await self.route.drain()
        return resp.status


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    slack = FakeSlackApi(token=TOKEN)
    await slack.start()
    clock, store, actions = FrozenClock(T0), MemoryAlertStore(), RecordingLeadActions()
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SALES_CHANNEL": CHANNEL, "SLACK_API_BASE_URL": f"{slack.url}/api/"}
    alerter = SalesAlerter(store=store, clock=clock, lead_actions=actions, rules=RULES,
                           sinks=build_sinks(AlertDelivery.from_env(env), clock=clock, rules=RULES))
    raised = await alerter.maybe_alert(ctx())
    assert raised is not None
    app = web.Application()
    route = add_slack_action_routes(app, alerter, SECRET, clock=clock)
    async with TestClient(TestServer(app)) as client:
        yield Rig(client=client, slack=slack, route=route, alerter=alerter, store=store, actions=actions,
                  alert=raised, clock=clock)
    await slack.stop()


def updates(slack: FakeSlackApi) -> list[dict[str, Any]]:
    return [c.params for c in slack.calls_to("chat.update")]


async def test_a_signed_claim_claims_the_lead_and_updates_the_message(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_claim", user="U0ANA")) == 200
    assert rig.actions.claims == [("lead1", "slack:U0ANA")]
    stored = await rig.store.get(rig.alert.id)
    assert stored is not None and stored.status is AlertStatus.CLAIMED and stored.status_by == "slack:U0ANA"
    assert stored.status_at == T0
    [update] = updates(rig.slack)
    assert rig.alert.message is not None
    assert (update["channel"], update["ts"]) == (CHANNEL, rig.alert.message.ts)
    body = json.dumps(update["blocks"])
    assert "Claimed by <@U0ANA>" in body
    assert not [b for b in update["blocks"] if b["type"] in ("actions", "input")]


async def test_a_second_claim_is_ignored(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_claim", user="U0ANA")) == 200
    assert await rig.post(rig.click("sales_claim", user="U0BOB")) == 200
    assert rig.actions.claims == [("lead1", "slack:U0ANA")] and len(updates(rig.slack)) == 1


async def test_not_a_fit_disqualifies_with_the_typed_feedback(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_not_a_fit", user="U0ANA", feedback="  Student project <3 ")) == 200
    assert rig.actions.not_fits == [("lead1", "slack:U0ANA", "Student project <3")]
    stored = await rig.store.get(rig.alert.id)
    assert stored is not None and stored.status is AlertStatus.NOT_A_FIT and stored.feedback == "Student project <3"
    body = json.dumps(updates(rig.slack)[0]["blocks"])
    assert "Not a fit, said <@U0ANA>" in body and "Student project &lt;3" in body


async def test_not_a_fit_without_feedback(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_not_a_fit")) == 200
    assert rig.actions.not_fits == [("lead1", "slack:U0SALES1", "")]


async def test_snooze_sets_the_time_and_keeps_the_buttons(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_snooze", user="U0ANA")) == 200
    until = T0 + timedelta(hours=RULES.snooze_hours)
    assert rig.actions.snoozes == [(rig.alert.id, until)]
    stored = await rig.store.get(rig.alert.id)
    assert stored is not None and stored.status is AlertStatus.SNOOZED and stored.snoozed_until == until
    [update] = updates(rig.slack)
    assert "Snoozed by <@U0ANA> until" in json.dumps(update["blocks"])
    assert [b for b in update["blocks"] if b["type"] == "actions"]
    assert await rig.post(rig.click("sales_claim", user="U0BOB")) == 200  # a snoozed alert can still be claimed
    assert rig.actions.claims == [("lead1", "slack:U0BOB")]


async def test_a_forged_signature_is_401(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_claim"), secret="not-the-secret") == 401
    resp = await rig.client.post("/slack/actions", data=rig.click("sales_claim"), headers=FORM)
    assert resp.status == 401
    body = rig.click("sales_claim")
    headers = {**FORM, **sign(body, SECRET, timestamp=NOW)}
    tampered = body.replace("U0SALES1", "U0EVIL01")
    assert (await rig.client.post("/slack/actions", data=tampered, headers=headers)).status == 401
    headers["X-Slack-Request-Timestamp"] = "soon"
    assert (await rig.client.post("/slack/actions", data=body, headers=headers)).status == 401
    assert rig.actions.claims == [] and updates(rig.slack) == []


async def test_a_stale_request_is_401(rig: Rig) -> None:
    assert await rig.post(rig.click("sales_claim"), timestamp=NOW - 301) == 401
    assert await rig.post(rig.click("sales_claim"), timestamp=NOW + 301) == 401
    assert rig.actions.claims == []
    assert await rig.post(rig.click("sales_claim"), timestamp=NOW - 299) == 200
    assert len(rig.actions.claims) == 1


@pytest.mark.parametrize("body", [
    "nothing=here",
    "payload=%7Bnot+json",
    "payload=%5B1%2C2%5D",
    form_payload({"type": "block_actions", "actions": []}),
    form_payload({"type": "block_actions", "user": {"id": "U1"},
                  "actions": [{"action_id": "sales_claim", "value": "../../etc"}]}),
    form_payload({"type": "block_actions", "actions": [{"action_id": "sales_claim", "value": "a" * 32}]}),
])
async def test_malformed_payloads_are_400(rig: Rig, body: str) -> None:
    assert await rig.post(body) == 400
    assert rig.actions.claims == []


async def test_other_clicks_and_interactions_are_acknowledged_and_ignored(rig: Rig,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nurture_engine")
    assert await rig.post(rig.click("qr_0")) == 200
    assert await rig.post(form_payload({"type": "view_submission", "view": {}})) == 200
    assert await rig.post(rig.click("sales_claim", value="f" * 32)) == 200  # an alert we do not know
    assert rig.actions.claims == [] and updates(rig.slack) == []
    logged = " ".join(r.message for r in caplog.records)
    assert "'qr_0' ignored" in logged and "'view_submission' interaction ignored" in logged
    assert "unknown alert" in logged


async def test_a_too_large_body_is_413(rig: Rig) -> None:
    body = "payload=" + "x" * MAX_BODY_BYTES
    assert await rig.post(body) == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * (MAX_BODY_BYTES // 2)

    resp = await rig.client.post("/slack/actions", data=chunks(), headers={**FORM, **sign("", SECRET, timestamp=NOW)})
    assert resp.status == 413


async def test_an_erased_lead_still_records_the_click(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.actions.missing.add("lead1")
    assert await rig.post(rig.click("sales_claim")) == 200
    stored = await rig.store.get(rig.alert.id)
    assert stored is not None and stored.status is AlertStatus.CLAIMED
    assert any("not applied" in r.message for r in caplog.records)


async def test_create_app_serves_the_route_and_refuses_without_a_secret() -> None:
    slack = FakeSlackApi(token=TOKEN)
    await slack.start()
    settings = test_settings()
    service, _, _ = memory_service(settings)
    clock, actions = FrozenClock(T0), RecordingLeadActions()
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SALES_CHANNEL": CHANNEL, "SLACK_API_BASE_URL": f"{slack.url}/api/"}
    alerter = SalesAlerter(store=MemoryAlertStore(), clock=clock, lead_actions=actions, rules=RULES,
                           sinks=build_sinks(AlertDelivery.from_env(env), clock=clock, rules=RULES))
    raised = await alerter.maybe_alert(ctx())
    assert raised is not None and raised.message is not None
    body = form_payload(block_actions(user="U0ANA", channel=CHANNEL, message={"ts": raised.message.ts},
                                      action_id="sales_claim", value=raised.id))
    real_now = int(time.time())  # create_app's route verifies against the system clock
    app = create_app(service, settings, sales_alerts=alerter, slack_signing_secret=SECRET)
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/slack/actions", data=body, headers={**FORM, **sign(body, SECRET,
                                                                                       timestamp=real_now)})
        assert resp.status == 200
    assert actions.claims == [("lead1", "slack:U0ANA")]  # the shutdown waited for the click
    off = create_app(service, settings, sales_alerts=alerter, slack_signing_secret=None, manage_service=False)
    async with TestClient(TestServer(off)) as client:
        resp = await client.post("/slack/actions", data=body, headers={**FORM, **sign(body, SECRET)})
        assert resp.status == 503
    await slack.stop()
