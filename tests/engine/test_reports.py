"""Dashboard reports (funnel, sequence performance, consent ledger, filtered lead lists) on the in-memory fake,
SQLite and the running PostgreSQL, with data built through the service and the dispatcher (the admin API's report
routes: test_report_routes.py)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from nurture_engine.clock import FrozenClock
from nurture_engine.domain import Channel, ConsentStatus, Identity, Interaction, ProfileField
from nurture_engine.lead_engine import EventRecord
from nurture_engine.reports import LeadQuery, ReportStore, funnel, sequence_stats
from nurture_engine.scheduler.adapters import RecordingAdapter
from nurture_engine.scheduler.dispatcher import Dispatcher
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.store.base import NurtureStore
from nurture_engine.store.memory import MemoryLeadStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.reports_memory import MemoryReportStore
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.store.sql_reports import SqlReportStore
from nurture_engine.testing import test_settings

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # a Wednesday; its week starts on Monday 2026-11-23
H, D = timedelta(hours=1), timedelta(days=1)
TOKEN = "reports-admin"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_keys = itertools.count()


def said(identity: Identity, intent: str, at: datetime) -> EventRecord:
    return EventRecord(key=f"r{next(_keys)}", identity=identity, interaction=Interaction(
        kind="message", intent=intent, channel=identity.channel, sender_id=identity.sender_id, at=at))


@dataclass
class World:
    store: NurtureStore
    reports: ReportStore
    service: NurtureService
    clock: FrozenClock
    telegram: RecordingAdapter
    dispatcher: Dispatcher

    async def talk(self, identity: Identity, intent: str, at: datetime) -> str:
        self.clock.set(at)
        await self.service.ingest([said(identity, intent, at)])
        lead = await self.service.lookup_identity(identity)
        assert lead is not None
        return lead.id

    async def dispatch(self, at: datetime) -> int:
        self.clock.set(at)
        before = len(self.telegram.sent)
        await self.dispatcher.drain(at)
        return len(self.telegram.sent) - before


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    settings = test_settings(NURTURE_ADMIN_TOKEN=TOKEN)
    clock = FrozenClock(T0)
    store: NurtureStore
    reports: ReportStore
    if request.param == "memory":
        memory = MemoryLeadStore()
        store, reports = memory, MemoryReportStore(memory)
    else:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'leads.db'}"
        else:
            make: Callable[[], str] = request.getfixturevalue("pg_database_factory")
            url = make()
        upgrade(url)
        store, reports = SqlLeadStore(url), SqlReportStore(url)
    await store.start()
    await reports.start()
    telegram = RecordingAdapter(Channel.TELEGRAM)
    dispatcher = Dispatcher(store=store, adapters={Channel.TELEGRAM: telegram}, plan=settings.plan,
                            business=settings.business, clock=clock)
    yield World(store=store, reports=reports, service=NurtureService(store=store, clock=clock, settings=settings),
                clock=clock, telegram=telegram, dispatcher=dispatcher)
    await reports.stop()
    await store.stop()


def tg(n: int) -> Identity:
    return Identity(channel=Channel.TELEGRAM, sender_id=f"tg-{n}")


def web(n: int) -> Identity:
    return Identity(channel=Channel.WEB, sender_id=f"web-{n}")


async def demo_with_email(w: World, identity: Identity, email: str, at: datetime) -> str:
    """Asks for a demo (a scored message) and leaves an email: sql."""
    await w.talk(identity, "request_demo", at)
    conv = Conversation(channel=identity.channel, sender_id=identity.sender_id)
    await w.service.record_answers(conv, {ProfileField.EMAIL: email})
    lead = await w.service.record_demo_request(conv, "request_demo")
    assert lead.stage.value == "sql"
    return lead.id


async def test_funnel_counts_stages_reached_per_week_and_first_channel(world: World) -> None:
    w = world
    await w.talk(tg(1), "greet", T0 - 7 * D)  # the week before: engaged
    w.clock.set(T0)
    await w.service.lead_for(Conversation(channel=Channel.WEB, sender_id="web-silent"))  # new only, this week
    await w.talk(web(2), "greet", T0)
    await demo_with_email(w, web(2), "ana@globex.com", T0 + H)  # engaged, then straight to sql
    await w.talk(tg(3), "greet", T0 + H)
    lead4 = await w.talk(tg(4), "greet", T0 + 2 * H)
    await w.service.not_a_fit(lead4, "U-SALES", "a student")
    now = T0 + D
    leads = await w.reports.funnel_leads(T0 - 14 * D, None)
    body = funnel(leads, now=now, weeks=2, channel=None)
    assert body["totals"] == {"new": 5, "engaged": 4, "mql": 1, "sql": 1, "customer": 0, "disqualified": 1}
    assert [wk["week"] for wk in body["by_week"]] == ["2026-11-16", "2026-11-23"]
    assert body["by_week"][0]["counts"]["new"] == 1 and body["by_week"][0]["counts"]["engaged"] == 1
    assert body["by_week"][1]["counts"] == {"new": 4, "engaged": 3, "mql": 1, "sql": 1, "customer": 0,
                                            "disqualified": 1}
    channels = {c["channel"]: c["counts"] for c in body["by_channel"]}
    assert channels["web"]["new"] == 2 and channels["web"]["sql"] == 1
    assert channels["telegram"]["new"] == 3 and channels["telegram"]["sql"] == 0
    assert channels["slack"]["new"] == 0
    only_web = funnel(await w.reports.funnel_leads(T0 - 14 * D, Channel.WEB), now=now, weeks=2, channel=Channel.WEB)
    assert only_web["totals"]["new"] == 2 and [c["channel"] for c in only_web["by_channel"]] == ["web"]
    recent = funnel(await w.reports.funnel_leads(T0 - 2 * D, None), now=now, weeks=1, channel=None)
    assert recent["totals"]["new"] == 4  # the lead of the week before is out of range


async def test_sequence_stats_per_step_and_variant(world: World) -> None:
    w = world
    replier = await w.talk(tg(1), "greet", T0)
    quitter = await w.talk(tg(2), "greet", T0)
    buyer = await w.talk(tg(3), "greet", T0)
    await w.talk(tg(4), "greet", T0)  # stays silent: gets welcome and case_study
    assert await w.dispatch(T0 + H) == 4  # four welcomes
    await w.talk(tg(1), "ask_features", T0 + 3 * H)  # a reply ends the drip
    w.clock.set(T0 + 4 * H)
    await w.service.set_consent(Conversation(channel=Channel.TELEGRAM, sender_id="tg-2"), ConsentStatus.OPTED_OUT,
                                "STOP")
    await demo_with_email(w, tg(3), "bo@initech.io", T0 + 5 * H)  # a reply too, then sql
    assert await w.dispatch(T0 + 2 * D) == 1  # only the silent lead gets the case study
    facts = await w.reports.sequence_facts("welcome_drip")
    plan = [(s.name, [st.id for st in s.steps], list(s.variants())) for s in test_settings().plan.sequences
            if s.name == "welcome_drip"]
    [drip] = sequence_stats(facts, plan)
    assert drip["sequence"] == "welcome_drip"
    total = {k: sum(v[k] for v in drip["variants"]) for k in ("enrolled", "sent", "replied", "converted", "opted_out")}
    assert total == {"enrolled": 4, "sent": 5, "replied": 2, "converted": 1, "opted_out": 1}
    steps: dict[str, dict[str, int]] = {}
    for row in drip["steps"]:
        acc = steps.setdefault(row["step"], {"sent": 0, "replied": 0, "converted": 0, "opted_out": 0})
        for k in acc:
            acc[k] += row[k]
    assert [r["step"] for r in drip["steps"][::2]] == ["welcome", "case_study", "pricing_guide", "demo_offer"]
    assert steps["welcome"]["sent"] == 4 and steps["case_study"]["sent"] == 1
    assert steps["pricing_guide"] == {"sent": 0, "replied": 0, "converted": 0, "opted_out": 0}
    if not isinstance(w.store, MemoryLeadStore):  # the fake keeps no exit time: per-step credit is SQL only
        assert steps["welcome"] == {"sent": 4, "replied": 2, "converted": 1, "opted_out": 1}
    assert {v["variant"] for v in drip["variants"]} == {"a", "b"}
    assert len({replier, quitter, buyer}) == 3


async def test_consent_ledger_and_filtered_lead_rows(world: World) -> None:
    w = world
    first = await w.talk(tg(1), "greet", T0)
    conv = Conversation(channel=Channel.TELEGRAM, sender_id="tg-1")
    w.clock.set(T0 + H)
    await w.service.set_consent(conv, ConsentStatus.OPTED_OUT, "STOP")
    w.clock.set(T0 + 2 * H)
    await w.service.set_consent(conv, ConsentStatus.OPTED_IN, "START")
    ledger = await w.reports.consent_ledger(first)
    assert [(c.status, c.channel, c.text, c.at) for c in ledger] == [
        ("opted_out", "telegram", "STOP", T0 + H), ("opted_in", "telegram", "START", T0 + 2 * H)]
    assert await w.reports.consent_ledger("nope") == []
    hot = await demo_with_email(w, web(2), "kim@initech.io", T0 + 3 * H)
    await w.talk(web(3), "greet", T0 + 4 * H)
    rows, more = await w.reports.lead_rows(LeadQuery(sort="score", limit=2))
    assert more and rows[0].id == hot and rows[0].profile["email"] == "kim@initech.io"
    assert rows[0].score >= rows[1].score
    rest, more = await w.reports.lead_rows(LeadQuery(sort="score", limit=2, offset=2))
    assert not more and len(rest) == 1
    web_rows, _ = await w.reports.lead_rows(LeadQuery(channel=Channel.WEB, sort="newest"))
    assert [r.channels for r in web_rows] == [("web",), ("web",)] and web_rows[1].id == hot
    found, _ = await w.reports.lead_rows(LeadQuery(q="initech", channel=Channel.WEB))
    assert [r.id for r in found] == [hot]
    none, _ = await w.reports.lead_rows(LeadQuery(q="initech", channel=Channel.TELEGRAM))
    assert none == []
