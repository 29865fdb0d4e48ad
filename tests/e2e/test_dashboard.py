"""The dashboard of `nurture serve` in headless Chromium against the real stack: token login (a wrong token is
refused), the leads table, a lead page (score breakdown, score chart, Rasa transcript shown as text), the funnel
chart with the numbers of the leads this test created, sequence stats, and phone width.

Debian's chromium at /usr/bin/chromium (scripts/ensure-chromium.sh); `playwright install` is never used.
"""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Dialog, Page, expect

from .browser import screenshot
from .responses import asked
from .stack import ADMIN_TOKEN, Stack, Visitor, admin_get, wait_for

XSS = "<img src=x onerror=alert(1)> is our use case"


async def shot(page: Page, name: str) -> None:
    await screenshot(page, f"dashboard-{name}", full_page=True)


async def engaged(v: Visitor) -> dict[str, Any]:
    """The lead once the behaviour consumer has scored its messages."""
    return await wait_for(v.lead, lambda lead: any(i["signal"] == "reply" for i in lead["score_breakdown"]))


async def create_leads(stack: Stack, http: aiohttp.ClientSession) -> tuple[dict[str, Any], dict[str, Any],
                                                                            dict[str, Any], str]:
    email = f"dana-{uuid.uuid4().hex[:8]}@initech.io"
    buyer = Visitor(stack, http)
    await buyer.say("hi")
    assert asked(await buyer.say("I'd like a demo")) == ["email"]
    await buyer.say(email)
    def scored(lead: dict[str, Any]) -> bool:  # all three messages scored by the behaviour consumer
        signals = [i["signal"] for i in lead["score_breakdown"]]
        return lead["stage"] == "sql" and "request_demo" in signals and signals.count("reply") == 3

    buyer_lead = await wait_for(buyer.lead, scored)
    researcher = Visitor(stack, http)
    await researcher.say("hi")
    await researcher.say(XSS)
    researcher_lead = await engaged(researcher)
    browser_ = Visitor(stack, http)
    await browser_.say("hello")
    await browser_.say("how much does it cost?")
    browsing_lead = await engaged(browser_)
    return buyer_lead, researcher_lead, browsing_lead, email


async def sign_in(page: Page, stack: Stack, token: str) -> None:
    await page.goto(stack.serve_url + "/dashboard")
    await page.get_by_label("Admin token").fill(token)
    await page.get_by_role("button", name="Sign in").click()


async def test_dashboard(sqlite_stack: Stack, browser: Browser, http: aiohttp.ClientSession) -> None:
    stack = sqlite_stack
    before = await admin_get(stack, http, "/api/funnel", weeks="8")
    buyer, researcher, browsing, email = await create_leads(stack, http)
    after = await admin_get(stack, http, "/api/funnel", weeks="8")
    delta = {s: after["totals"][s] - before["totals"][s] for s in ("new", "engaged", "mql", "sql", "customer")}
    # exact for new leads; a lead of an earlier test may still move on while this one runs
    assert delta["new"] == 3 and delta["engaged"] >= 3 and delta["mql"] >= 1 and delta["sql"] >= 1, (before, after)
    rest_before = next(c["counts"] for c in before["by_channel"] if c["channel"] == "rest")
    rest_after = next(c["counts"] for c in after["by_channel"] if c["channel"] == "rest")
    assert rest_after["new"] - rest_before["new"] == 3

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # a wrong token is refused with a clear message and is not kept
    await sign_in(page, stack, "not-the-token")
    await expect(page.locator("#login-error")).to_have_text("Wrong admin token: the server refused it.")
    await expect(page.locator("#app")).to_be_hidden()
    assert await page.evaluate("sessionStorage.getItem('nurture-dashboard:token')") is None
    await shot(page, "wrong-token")
    errors.clear()  # the browser logs the refused request itself

    # the right one opens the leads table, sorted by score
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    table = page.locator("#leads-table")
    await expect(table).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('nurture-dashboard:token')") == ADMIN_TOKEN
    assert await page.evaluate("localStorage.length") == 0
    await page.locator("#f-channel").select_option("rest")
    await page.locator("#f-sort").select_option("newest")
    newest = table.locator("tbody tr")
    await expect(newest.first).to_have_attribute("data-lead-id", browsing["id"])
    ids = [await newest.nth(i).get_attribute("data-lead-id") for i in range(3)]
    assert ids == [browsing["id"], researcher["id"], buyer["id"]]
    await page.get_by_label("Search").fill(email)
    await page.locator("#lead-filters button").click()
    await expect(newest).to_have_count(1)
    row = table.locator(f"tr[data-lead-id='{buyer['id']}']")
    await expect(row.locator("td[data-label=Stage]")).to_have_text("sql")
    await expect(row.locator("td[data-label=Email]")).to_have_text(email)
    shown = float(await row.locator("td[data-label=Score]").inner_text())
    assert shown == pytest.approx(buyer["score"], abs=0.15)
    await shot(page, "leads")

    # the buyer's page: breakdown, score chart, transcript from Rasa's tracker, follow-ups, consent
    await row.get_by_role("link").click()
    await expect(page.locator("#lead-title")).to_have_text(email)
    breakdown = page.locator("#lead-breakdown table")
    await expect(breakdown).to_contain_text("request_demo")
    await expect(breakdown).to_contain_text("reply")
    await expect(page.locator("#score-chart svg polyline")).to_have_count(1)
    transcript = page.locator("#lead-transcript")
    await expect(transcript.locator(".msg-user .bubble", has_text="I'd like a demo")).to_be_visible()
    await expect(transcript.locator(".msg-user .bubble", has_text=email)).to_be_visible()
    assert await transcript.locator(".msg-bot").count() >= 2
    await expect(page.locator("#lead-stages")).to_contain_text("sql")
    await expect(page.locator("#lead-consent")).to_contain_text("unknown")
    await expect(page.locator("#lead-profile")).to_contain_text(email)
    await expect(page.locator("#lead-requests")).to_contain_text("request demo")
    await shot(page, "lead")

    # the researcher typed markup: shown as text, no element made, no script run
    await page.goto(stack.serve_url + f"/dashboard#/lead/{researcher['id']}")
    await expect(page.locator("#lead-transcript .msg-user .bubble", has_text=XSS)).to_be_visible()
    assert await page.locator("#view-lead img").count() == 0

    # the funnel chart shows this stack's counts, the three new leads included
    await page.get_by_role("link", name="Funnel").click()
    chart = page.locator("#funnel-chart svg")
    for stage in ("new", "engaged", "mql", "sql", "customer"):
        await expect(chart.locator(f"g[data-stage={stage}] .funnel-count")).to_have_text(str(after["totals"][stage]))
    assert after["totals"]["new"] >= 3 and after["totals"]["sql"] >= 1
    week = page.locator("#funnel-weeks tbody tr").last
    await expect(week.locator("td[data-stage=sql]")).to_have_text(str(after["by_week"][-1]["counts"]["sql"]))
    rest = page.locator("#funnel-channels tr[data-key=rest]")
    await expect(rest.locator("td[data-stage=new]")).to_have_text(str(rest_after["new"]))
    await page.locator("#fu-channel").select_option("rest")
    await page.locator("#funnel-filters button").click()
    await expect(page.locator("#funnel-channels tbody tr")).to_have_count(1)
    await expect(chart.locator("g[data-stage=new] .funnel-count")).to_have_text(str(rest_after["new"]))
    await shot(page, "funnel")

    await page.get_by_role("link", name="Sequences").click()
    await expect(page.locator("section[data-sequence=welcome_drip] h2")).to_have_text("welcome_drip")
    await shot(page, "sequences")
    assert dialogs == [] and errors == [], (dialogs, errors)

    # signing out forgets the token; a stale token sends the visitor back to the login form
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.locator("#login")).to_be_visible()
    assert await page.evaluate("sessionStorage.getItem('nurture-dashboard:token')") is None
    await context.close()


async def test_dashboard_at_phone_width(sqlite_stack: Stack, browser: Browser) -> None:
    context = await browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await sign_in(page, sqlite_stack, ADMIN_TOKEN)
    await expect(page.locator("#leads-table")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await shot(page, "phone-leads")
    await page.get_by_role("link", name="Funnel").click()
    await expect(page.locator("#funnel-chart svg")).to_be_visible()
    box = await page.locator("#funnel-chart svg").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    await shot(page, "phone-funnel")
    await context.close()
