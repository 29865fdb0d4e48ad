"""An answered profiling turn reads the lead once and writes once; the memory store and SQLite agree on what
a conversation leaves behind (rows, stage history, logs)."""

from __future__ import annotations

import inspect
import logging
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, Interaction, ProfileField, Stage
from nurture_engine.lead_engine import EventRecord
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store.base import NurtureStore, ProfileWrite
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0, test_settings

WEB = Conversation(channel=Channel.WEB, sender_id="visitor-1")
TELEGRAM = Conversation(channel=Channel.TELEGRAM, sender_id="42")


class CountingStore(MemoryLeadStore):
    """Counts the calls the service makes (not the store's own calls inside them); `meddle` changes the lead
    before the next `record_profile`, as another process would."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()
        self.meddle = False
        self.depth = 0

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.startswith("_") or not inspect.iscoroutinefunction(attr):
            return attr

        async def counted(*args: Any, **kwargs: Any) -> Any:
            if self.depth == 0:
                self.calls[name] += 1
            self.depth += 1
            try:
                return await attr(*args, **kwargs)
            finally:
                self.depth -= 1

        return counted

    async def record_profile(self, write: ProfileWrite) -> bool:
        if self.meddle:
            self.meddle = False
            lead = self.leads[write.lead_id]
            self.leads[write.lead_id] = lead.__class__(**{**lead.__dict__, "message_count": lead.message_count + 1,
                                                          "stage": Stage.ENGAGED})
        return await super().record_profile(write)


def turn(answers: dict[ProfileField, str], requested: ProfileField | None = None, intent: str = "inform",
         known: frozenset[ProfileField] = frozenset()) -> ProfileTurn:
    return ProfileTurn(answers=answers, requested=requested or next(iter(answers), None), intent=intent,
                       visit=VisitState(known=known, asked=(requested,) if requested else ()))


async def test_an_answered_turn_reads_the_lead_once_and_writes_once() -> None:
    store = CountingStore()
    service = NurtureService(store=store, clock=FrozenClock(T0), settings=test_settings())
    await service.lead_for(WEB)
    store.calls.clear()
    result = await service.profile_turn(WEB, turn({ProfileField.ROLE: "CTO", ProfileField.BUDGET: "no idea"},
                                                  ProfileField.ROLE))
    assert result.slots == {ProfileField.ROLE: {"title": "Chief Technology Officer", "seniority": "c_level"},
                            ProfileField.BUDGET: None}
    assert dict(store.calls) == {"lead_for_identity": 1, "sequencing_state": 1, "record_profile": 1}
    store.calls.clear()
    await service.profile_turn(WEB, turn({ProfileField.USE_CASE: "forecasting"}))
    assert store.calls["lead_for_identity"] == 1 and store.calls["record_profile"] == 1
    assert store.calls["sequencing_state"] == 0  # the sequences the lead entered are known by now
    assert store.calls["get_lead"] == store.calls["set_field"] == 0
    store.calls.clear()
    refusal = await service.profile_turn(WEB, turn({}, ProfileField.BUDGET, intent="deny"))
    assert refusal.refused is ProfileField.BUDGET and refusal.next_field is not ProfileField.BUDGET
    assert store.calls["lead_for_identity"] == 1 and store.calls["get_lead"] == 0
    assert refusal.stage is Stage.ENGAGED  # the stage the visit's closing words go by, with no read of its own


async def test_a_lead_scored_meanwhile_is_read_again_and_the_turn_recomputed() -> None:
    store = CountingStore()
    service = NurtureService(store=store, clock=FrozenClock(T0), settings=test_settings())
    lead = await service.lead_for(WEB)
    store.meddle = True
    store.calls.clear()
    outcome = await service.record_answers(WEB, {ProfileField.USE_CASE: "forecasting"})
    assert store.calls["record_profile"] == 2 and store.calls["get_lead"] == 1
    assert outcome.lead is not None and outcome.lead.message_count == 1
    stored = store.leads[lead.id]
    assert stored.stage is Stage.ENGAGED and ProfileField.USE_CASE in stored.profile
    assert [(i.kind, i.data) for i in store.interaction_log[lead.id]] == [("profile", {"fields": ["use_case"]})]


async def test_the_first_turn_of_a_new_conversation_creates_its_lead(caplog: pytest.LogCaptureFixture) -> None:
    store = CountingStore()
    service = NurtureService(store=store, clock=FrozenClock(T0), settings=test_settings())
    with caplog.at_level(logging.INFO, logger="nurture_engine.service"):
        assert (await service.profile_turn(TELEGRAM, turn({}, None, "greet"))).stage is Stage.NEW
    assert len(store.leads) == 1 and "new lead" in caplog.text


async def conversation(store: NurtureStore, consumer_store: NurtureStore) -> tuple[dict[str, Any], list[str]]:
    """A scripted conversation (answers, a rejection, a refusal, a second channel with the same email), the
    consumer scoring the messages in between; what it leaves behind, lead ids numbered in order of creation."""
    clock = FrozenClock(T0)
    service = NurtureService(store=store, clock=clock, settings=test_settings())
    consumer = NurtureService(store=consumer_store, clock=clock, settings=test_settings())
    await service.start()
    if consumer_store is not store:
        await consumer.start()
    n = 0

    async def message(conv: Conversation, intent: str) -> None:
        nonlocal n
        n += 1
        clock.advance(timedelta(minutes=1))
        await consumer.ingest([EventRecord(key=f"k{n}", identity=conv.identity, interaction=Interaction(
            kind="message", intent=intent, channel=conv.channel, sender_id=conv.sender_id, at=clock.now()))])

    results = []
    try:
        await message(WEB, "greet")
        results.append(await service.profile_turn(WEB, turn({}, None, "greet")))
        for answers, intent in (({ProfileField.USE_CASE: "forecasting"}, "inform"),
                                ({ProfileField.ROLE: "Head of Sales", ProfileField.BUDGET: "lots"}, "inform"),
                                ({}, "deny"),
                                ({ProfileField.COMPANY_SIZE: "about 450 people", ProfileField.BUDGET: "50k a year"},
                                 "inform"),
                                ({ProfileField.EMAIL: "Ana@Globex.com"}, "inform")):
            await message(WEB, intent)
            results.append(await service.profile_turn(WEB, turn(answers, ProfileField.TIMELINE if not answers
                                                                else None, intent)))
        await message(TELEGRAM, "greet")
        results.append(await service.profile_turn(TELEGRAM, turn({ProfileField.EMAIL: "ana@globex.com"})))
        await message(TELEGRAM, "ask_pricing")
        results.append(await service.profile_turn(TELEGRAM, turn({ProfileField.TIMELINE: "next month"})))
        lead = await service.lead_for(TELEGRAM)
        view = await service.view(lead.id)
        out = {"results": results, "lead": (lead.stage, lead.score, lead.profile, lead.refused, lead.message_count,
                                            set(lead.identities)),
               "history": [(h.stage, h.reason) for h in view.history],
               "interactions": [(i.kind, i.intent, i.data) for i in await service.interactions(lead.id)],
               "followups": [(f.sequence, f.step) for f in view.followups]}
        return out, [lead.id]
    finally:
        await service.stop()
        if consumer_store is not store:
            await consumer.stop()


async def test_memory_and_sqlite_agree_on_a_conversation(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    memory = MemoryLeadStore()
    with caplog.at_level(logging.INFO, logger="nurture_engine"):
        expected, _ = await conversation(memory, memory)
    memory_logs = caplog.messages[:]
    caplog.clear()
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    upgrade(url)
    with caplog.at_level(logging.INFO, logger="nurture_engine"):
        got, _ = await conversation(SqlLeadStore(url), SqlLeadStore(url))
    assert got == expected
    assert got["lead"][0] is Stage.SQL or got["lead"][0] is Stage.MQL
    assert ProfileField.BUDGET in got["lead"][2] and not got["lead"][3]  # the refused timeline was answered later
    assert any(i[0] == "refusal" for i in got["interactions"]) and len(got["history"]) >= 2

    def anonymous(lines: list[str]) -> list[str]:
        ids: dict[str, str] = {}
        return [re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), f"L{len(ids)}"), line)
                for line in lines if "nurture_engine.store" not in line]

    assert anonymous(caplog.messages) == anonymous(memory_logs)
    assert any("merged lead" in line for line in memory_logs) and any(" -> " in line for line in memory_logs)
