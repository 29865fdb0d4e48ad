"""A privacy request made in chat: which right it asks for, what the engine does at once, and the staff alert."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from nurture_engine.alerts import SalesAlerter
from nurture_engine.alerts_model import AlertAction, AlertClick, AlertContext, AlertRules, AlertTrigger, trigger_for
from nurture_engine.alerts_slack import AlertDelivery, build_sinks
from nurture_engine.clock import FrozenClock
from nurture_engine.conversation import Conversation
from nurture_engine.domain import Channel, ConsentStatus, Interaction, ProfileField, Stage
from nurture_engine.fakes.slack import FakeSlackApi
from nurture_engine.privacy_requests import (
    OPT_OUT_UNSURE,
    PrivacyRight,
    is_privacy_request,
    opt_out_is_clear,
    privacy_right,
)
from nurture_engine.scoring import BehaviourLedger
from nurture_engine.store.alerts_memory import MemoryAlertStore, RecordingLeadActions
from nurture_engine.testing import PROJECT_ROOT, T0, memory_service, test_settings

from .conftest import CHANNEL, TOKEN

CONV = Conversation(channel=Channel.WEB, sender_id="web-visitor-privacy")


@pytest.mark.parametrize(("text", "right"), [
    ("please delete all my data", PrivacyRight.ERASE),
    ("I want to exercise my right to be forgotten", PrivacyRight.ERASE),
    ("Remove my details from your CRM!", PrivacyRight.ERASE),
    ("send me a copy of my data, then erase it", PrivacyRight.ERASE),  # erasure must also stop messages now
    ("can I get a copy of everything you hold on me?", PrivacyRight.EXPORT),
    ("this is a subject access request", PrivacyRight.EXPORT),
    ("what data do you have on me", PrivacyRight.EXPORT),
    ("I'd like to make a GDPR request", PrivacyRight.UNSPECIFIED),
    ("", PrivacyRight.UNSPECIFIED),
])
def test_the_right_asked_for(text: str, right: PrivacyRight) -> None:
    assert privacy_right(text) is right


def test_hostile_input_is_read_within_a_bound() -> None:
    assert privacy_right("a" * 200_000 + " delete my data") is PrivacyRight.UNSPECIFIED  # beyond what is read
    assert privacy_right("delete " + "x " * 100_000) is PrivacyRight.ERASE


async def test_an_erasure_request_stops_messages_at_once_and_a_copy_request_does_not() -> None:
    service, _store, _clock = memory_service()
    await service.record_answers(CONV, {ProfileField.EMAIL: "dana@brightloop.io"})
    assert await service.privacy_request(CONV, "can I get a copy of my data?") is PrivacyRight.EXPORT
    lead = await service.lookup(CONV)
    assert lead is not None and lead.consent.status is ConsentStatus.UNKNOWN
    assert await service.privacy_request(CONV, "please delete everything about me") is PrivacyRight.ERASE
    lead = await service.lookup(CONV)
    assert lead is not None and lead.consent.status is ConsentStatus.OPTED_OUT
    assert lead.profile[ProfileField.EMAIL].value == "dana@brightloop.io"  # erasing is staff's job, not the bot's


async def test_a_first_message_that_is_a_privacy_request_still_has_a_lead_for_staff() -> None:
    service, _store, _clock = memory_service()
    assert await service.privacy_request(CONV, "GDPR request please") is PrivacyRight.UNSPECIFIED
    assert await service.lookup(CONV) is not None


def alerter_for(slack: FakeSlackApi, clock: FrozenClock, actions: RecordingLeadActions) -> SalesAlerter:
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SALES_CHANNEL": CHANNEL, "SLACK_API_BASE_URL": f"{slack.url}/api/"}
    rules = AlertRules(cooldown_hours=24)
    return SalesAlerter(store=MemoryAlertStore(), clock=clock, lead_actions=actions, rules=rules,
                        sinks=build_sinks(AlertDelivery.from_env(env), clock=clock, rules=rules))


def request(stage: Stage = Stage.DISQUALIFIED, trigger: AlertTrigger = AlertTrigger.PRIVACY_REQUEST) -> AlertContext:
    return AlertContext(lead_id="lead9", trigger=trigger, stage=stage, score=3.0, channel=Channel.TELEGRAM,
                        name="Dana <Kim>")


def test_the_intent_is_a_privacy_trigger() -> None:
    assert trigger_for(intent="privacy_request") is AlertTrigger.PRIVACY_REQUEST


async def test_a_privacy_request_reaches_staff_whatever_the_stage_and_cooldown(
        slack: FakeSlackApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nurture_engine.alerts")
    clock = FrozenClock(T0)
    alerter = alerter_for(slack, clock, RecordingLeadActions())
    assert await alerter.maybe_alert(request(Stage.SQL, AlertTrigger.STAGE_SQL)) is not None
    clock.advance(timedelta(minutes=5))
    assert await alerter.maybe_alert(request(Stage.SQL, AlertTrigger.HUMAN_HANDOFF)) is None  # the sales cooldown
    first = await alerter.maybe_alert(request(Stage.SQL))
    assert first is not None  # a legal request is not held back by the sales cooldown
    clock.advance(timedelta(minutes=5))
    assert await alerter.maybe_alert(request()) is None  # asked again the same day: one request
    assert caplog.records[-1].getMessage() == (
        "alerts: lead lead9 not announced (privacy_request): already announced today")
    clock.advance(timedelta(days=1))
    assert await alerter.maybe_alert(request()) is not None  # disqualified leads still have their rights
    messages = slack.messages()
    assert len(messages) == 3
    body = json.dumps(messages[1]["blocks"])
    assert "Privacy request" in messages[1]["text"] and "Dana &lt;Kim&gt;" in body
    assert "nurture leads erase lead9" in body and "nurture leads export lead9" in body
    [buttons] = [b for b in messages[1]["blocks"] if b["type"] == "actions"]
    assert [b["action_id"] for b in buttons["elements"]] == ["sales_claim"]
    assert not any(b.get("block_id") == "sales_feedback" for b in messages[1]["blocks"])


async def test_a_privacy_request_can_be_claimed_but_not_judged_or_snoozed(slack: FakeSlackApi) -> None:
    clock = FrozenClock(T0)
    actions = RecordingLeadActions()
    alerter = alerter_for(slack, clock, actions)
    raised = await alerter.maybe_alert(request())
    assert raised is not None
    for refused in (AlertAction.NOT_A_FIT, AlertAction.SNOOZE):  # a forged or stale click
        unchanged = await alerter.handle_click(AlertClick(action=refused, alert_id=raised.id, user_id="U1"))
        assert unchanged is not None and unchanged.status.value == "open"
    claimed = await alerter.handle_click(AlertClick(action=AlertAction.CLAIM, alert_id=raised.id, user_id="U2"))
    assert claimed is not None and claimed.status.value == "claimed" and claimed.status_by == "slack:U2"
    assert actions.claims == [("lead9", "slack:U2")] and actions.not_fits == [] and actions.snoozes == []


@pytest.mark.parametrize(("text", "confidence", "clear"), [
    ("STOP", 0.1, True), ("stopall", 0.1, True), ("unsubscibe", 0.1, True), ("cancel", 0.1, True),
    ("I revoke my consent to be contacted", 0.1, True), ("no more emails please", 0.1, True),
    ("could you tell me more", 0.38, False), ("more", 0.52, False), ("I want to end the trial", 0.3, False),
    ("could you tell me more", 0.6, True), ("no stop", 0.3, True), ("please stop!", 0.3, True),
    ("stop messaging me", 0.3, True), ("we need to stop losing deals", 0.3, False),
])
def test_an_opt_out_reading_is_clear_from_the_words_or_a_sure_reading(text: str, confidence: float,
                                                                       clear: bool) -> None:
    assert opt_out_is_clear(text, confidence) is clear


def test_the_opt_out_words_are_looked_for_within_a_bound() -> None:
    assert not opt_out_is_clear("tell me more " * 20_000 + "stop", 0.3)  # 260 kB: read to 2,000 characters
    assert opt_out_is_clear("stop " + "x" * 200_000, 0.3)


def test_an_unsure_opt_out_reading_earns_no_opt_out_points() -> None:
    ledger = BehaviourLedger(test_settings().scoring)
    said = Interaction(kind="message", intent=OPT_OUT_UNSURE, channel=Channel.WEB, sender_id="s", at=T0)
    assert [i.signal for i in ledger.apply(said)] == ["reply"]
    sure = Interaction(kind="message", intent="opt_out", channel=Channel.WEB, sender_id="s", at=T0)
    assert "opt_out" in [i.signal for i in ledger.apply(sure)]


def test_every_way_of_opting_out_the_assistant_is_taught_says_it_in_words() -> None:
    """The opt_out examples of the training data are clear without the model's confidence."""
    data = yaml.safe_load((Path(__file__).parents[2] / "nlu_data" / "consent.yml").read_text())
    [block] = [b for b in data["nlu"] if b.get("intent") == "opt_out"]
    examples = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
    assert len(examples) > 50 and [e for e in examples if not opt_out_is_clear(e, 0.0)] == []


@pytest.mark.parametrize(("text", "is_one"), [
    ("please delete my data", True), ("I'd like to make a GDPR request", True), ("DSAR", True),
    ("I want to see what you have on me", True), ("send me a copy", True),
    ("no thank you, I'm fine", False), ("could you not", False), ("", False),
])
def test_a_request_names_a_right_or_the_data(text: str, is_one: bool) -> None:
    """A "no" or an off-topic message read as a privacy request is no request: staff are not alerted."""
    assert is_privacy_request(text) is is_one


def test_every_privacy_request_we_train_on_is_one() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(PROJECT_ROOT / "nlu_data")).intent_examples
    texts = [m.get("text") for m in examples if m.get("intent") == "privacy_request"]
    assert len(texts) > 50 and [t for t in texts if not is_privacy_request(t)] == []
