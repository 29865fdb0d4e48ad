"""Sales alerts: the store contract (memory, SQLite, PostgreSQL) and the context an alert is built from (delivery:
test_alerts_delivery.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from nurture_engine.alerts import AlertStore
from nurture_engine.alerts_model import (
    Alert,
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
from nurture_engine.domain import Channel, ProfileField, ScoreItem, Stage
from nurture_engine.errors import ConfigError
from nurture_engine.service import Conversation
from nurture_engine.store.alerts_memory import MemoryAlertStore
from nurture_engine.store.alerts_sql import SqlAlertStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.testing import T0, memory_service

from .conftest import CHANNEL

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
