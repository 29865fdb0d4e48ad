"""GDPR erasure on the real stack: a web visitor gives name, email, phone and company over socketio; after
`POST /api/leads/{id}/erase`, no table of the lead store, of Rasa's tracker store or of its event broker
holds any of them, the API answers 404, and the audit log has the erasure without personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
import string
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Text, cast, create_engine, func, inspect, select, table
from sqlalchemy import column as sql_column

from .stack import ADMIN_TOKEN, SocketVisitor, Stack, admin_get, wait_for

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def find_everywhere(urls: list[str], needles: list[str]) -> list[str]:
    """Every (database, table, column) whose text holds one of the needles (case-insensitive)."""
    found = []
    for url in urls:
        engine = create_engine(url, future=True)
        try:
            with engine.connect() as conn:
                for name in inspect(conn).get_table_names():
                    columns = [c["name"] for c in inspect(conn).get_columns(name)]
                    tbl = table(name, *(sql_column(c) for c in columns))
                    for col in columns:
                        text = func.lower(cast(tbl.c[col], Text))
                        for needle in needles:
                            query = select(func.count()).select_from(tbl).where(text.contains(needle.lower()))
                            if conn.execute(query).scalar_one():
                                found.append(f"{url.rsplit('/', 1)[-1]}:{name}.{col} holds {needle!r}")
        finally:
            engine.dispose()
    return found


def in_sqlite_files(urls: list[str], needles: list[str]) -> list[str]:
    """Needles left in the bytes of SQLite files (free pages, journals): erased must mean overwritten."""
    found = []
    for url in urls:
        if url.startswith("sqlite:///"):
            base = Path(url.removeprefix("sqlite:///"))
            for path in (base, *base.parent.glob(base.name + "-*")):
                raw = path.read_bytes()
                found += [f"{path.name} holds {n!r}" for n in needles if n.encode() in raw]
    return found


def consumer_caught_up(stack: Stack) -> bool:
    """The behaviour consumer has read every row of Rasa's event broker (else it could recreate the lead)."""
    events, leads = create_engine(stack.events_url, future=True), create_engine(stack.database_url, future=True)
    try:
        with events.connect() as conn:
            last = conn.execute(select(func.max(sql_column("id"))).select_from(table("events"))).scalar_one()
        with leads.connect() as conn:
            done = conn.execute(select(func.max(sql_column("position"))).select_from(table("consumer_offsets")))
            position = done.scalar_one()
    finally:
        events.dispose()
        leads.dispose()
    return last is not None and position is not None and position >= last


VISITS = [  # the profiling order of nurture.yml, three questions per visit
    ["hi", "we need better pipeline forecasting", "I'm the head of revops", "about 450 people"],
    ["/session_start", "hello again", "this quarter", "{email}", "40k USD a year"],
    ["/session_start", "hello again", "{company}", "{name}", "my number is {phone}"],
]


async def give_everything(stack: Stack, http: aiohttp.ClientSession, facts: dict[str, str]
                          ) -> tuple[SocketVisitor, dict[str, Any]]:
    visitor = SocketVisitor(stack, http, sender="web" + secrets.token_urlsafe(18))
    await visitor.connect()
    try:
        for visit in VISITS:
            for text in visit:
                if text == "/session_start":  # a new visit, as the widget starts one; it may get no reply
                    await visitor.sio.emit("user_uttered", {"message": text, "session_id": visitor.sender,
                                                            "metadata": {"input_channel": "socketio"}})
                    await asyncio.sleep(3)
                    while not visitor.replies.empty():
                        visitor.replies.get_nowait()
                    continue
                await visitor.say(text.format(**facts))
    finally:
        await visitor.close()
    lead = await wait_for(visitor.lead, lambda lead: {"name", "email", "phone", "company"} <= set(lead["profile"])
                          and len(lead["followups"]) >= 1)
    return visitor, lead


async def erase_scenario(stack: Stack, http: aiohttp.ClientSession) -> None:
    tag = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
    facts = {"name": f"Marisol Quin{tag}", "company": f"Brightwave {tag.title()}",
             "email": f"marisol.{tag}@brightwave.example", "phone": f"+44 20 7946 {secrets.randbelow(9000) + 1000}"}
    visitor, lead = await give_everything(stack, http, facts)
    email, name, phone = facts["email"], facts["name"], facts["phone"]
    lead_id = str(lead["id"])
    urls = [stack.database_url, stack.tracker_url, stack.events_url]
    needles = [email, name, phone, phone.replace(" ", ""), visitor.sender]
    assert await asyncio.to_thread(find_everywhere, urls, needles), "the visitor's data should be stored first"

    exported = await admin_get(stack, http, f"/api/leads/{lead_id}/export")
    assert {p["field"]: p["value"] for p in exported["profile"]}["email"] == email
    assert any(email in (e["event"].get("text") or "") for e in exported["tracker_store"])
    assert any(e["sender_id"] == visitor.sender for e in exported["event_broker"])
    rows = list(csv.DictReader(io.StringIO(stack.nurture("leads", "export", "--format", "csv"))))
    mine = next(r for r in rows if r["id"] == lead_id)
    assert mine["email"] == email and mine["channels"] == "web" and mine["created_at"]

    async def caught_up() -> dict[str, bool]:
        return {"done": await asyncio.to_thread(consumer_caught_up, stack)}

    await wait_for(caught_up, lambda state: state["done"])
    async with http.post(f"{stack.serve_url}/api/leads/{lead_id}/erase", headers=AUTH) as resp:
        body = await resp.json()
        assert resp.status == 200, body
    assert body["erased"] is True and body["counts"]["lead_store.leads"] == 1
    assert body["counts"]["tracker_store.events"] > 0 and body["counts"]["event_broker.events"] > 0

    leftovers = await asyncio.to_thread(find_everywhere, urls, needles)  # audit_log included
    assert leftovers == []
    assert await asyncio.to_thread(in_sqlite_files, urls, needles) == []
    for path in (f"/api/leads/{lead_id}", f"/api/leads/{lead_id}/export"):
        async with http.get(f"{stack.serve_url}{path}", headers=AUTH) as resp:
            assert resp.status == 404, path
    async with http.get(f"{stack.serve_url}/api/leads/lookup", params={"channel": "web", "sender_id": visitor.sender},
                        headers=AUTH) as resp:
        assert resp.status == 404
    assert "already_erased_at" in stack.nurture("leads", "erase", lead_id, "--yes")

    audit = await asyncio.to_thread(audit_rows, stack.database_url, lead_id)
    assert [(a["action"], a["outcome"], a["actor"]) for a in audit if a["action"] == "erase"] == [
        ("erase", "erased", "admin-api")]


def audit_rows(url: str, lead_id: str) -> list[dict[str, object]]:
    engine = create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            audit = table("audit_log", sql_column("action"), sql_column("outcome"), sql_column("actor"),
                          sql_column("lead_id"), sql_column("id"))
            rows = conn.execute(select(audit).where(audit.c.lead_id == lead_id).order_by(audit.c.id)).all()
    finally:
        engine.dispose()
    return [dict(r._mapping) for r in rows]


async def test_erase_leaves_no_trace_on_sqlite(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    await erase_scenario(sqlite_stack, http)


@pytest.mark.postgres
async def test_erase_leaves_no_trace_on_postgres(pg_stack: Stack, http: aiohttp.ClientSession) -> None:
    await erase_scenario(pg_stack, http)
