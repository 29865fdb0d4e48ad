"""Whole-stack scoring: behaviour arrives through Rasa's event broker, fit through the actions."""

from __future__ import annotations

import aiohttp
import pytest

from .responses import asked
from .stack import SocketVisitor, Stack, Visitor, wait_for


async def qualified_buyer(v: Visitor) -> None:
    await v.say("hi")
    await v.say("how much does it cost?")
    assert asked(await v.say("we need better pipeline forecasting")) == ["role"]
    assert asked(await v.say("I'm the head of revops")) == ["company_size"]
    await v.say("a few hundred people")
    await v.say("/session_start")
    assert asked(await v.say("hello again")) == ["timeline"]
    assert asked(await v.say("this quarter")) == ["email"]
    assert asked(await v.say("nora@acme-robotics.com")) == ["budget"]
    await v.say("40k USD a year")
    await v.say("can I book a demo?")


async def test_a_ready_buyer_ends_sql_with_every_signal_explained(sqlite_stack: Stack,
                                                                   http: aiohttp.ClientSession) -> None:
    v = Visitor(sqlite_stack, http)
    await qualified_buyer(v)
    lead = await wait_for(v.lead, lambda lead: {"ask_pricing", "request_demo"} <= {
        i["signal"] for i in lead["score_breakdown"]})
    signals = {item["signal"] for item in lead["score_breakdown"]}
    assert lead["stage"] == "sql", lead
    assert {"ask_pricing", "request_demo", "reply", "fit_role", "fit_company_size", "fit_budget", "fit_timeline",
            "fit_use_case"} <= signals, signals
    assert all({"signal", "points", "reason", "at"} <= set(i) for i in lead["score_breakdown"])
    assert lead["score"] == pytest.approx(sum(i["points"] for i in lead["score_breakdown"]), abs=0.1)
    assert [h["stage"] for h in lead["stage_history"]][-1] == "sql"

    student = Visitor(sqlite_stack, http)
    await student.say("hi")
    await student.say("I'm researching a paper on sales tools")
    await student.say("I'm a student")
    await student.say("just me")
    student_lead = await wait_for(student.lead, lambda lead: any(i["signal"] == "reply"
                                                                for i in lead["score_breakdown"]))
    assert student_lead["stage"] in {"new", "engaged"}
    assert student_lead["score"] < lead["score"]
    assert any(i["signal"] == "fit_role" and i["points"] < 0 for i in student_lead["score_breakdown"])


async def test_the_same_email_on_two_channels_is_one_lead(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    web = SocketVisitor(sqlite_stack, http)
    await web.connect()
    try:
        assert asked(await web.say("hi")) == ["use_case"]
        await web.say("cleaning up our CRM data")
        demo = await web.say("I'd like a demo")
        assert asked(demo) == ["email"], demo
        await web.say("kim@initech.io")
    finally:
        await web.close()
    rest = Visitor(sqlite_stack, http)
    await rest.say("can I book a demo?")
    await rest.say("kim@initech.io")
    merged = await rest.lead()
    assert merged["id"] == (await web.lead())["id"]
    assert {(i["channel"], i["sender_id"]) for i in merged["identities"]} == {("web", web.sender),
                                                                              ("rest", rest.sender)}
    assert merged["profile"]["use_case"] == "cleaning up our CRM data"
