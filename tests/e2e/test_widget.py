"""The website widget in headless Chromium against the real stack: landing page, socket.io to Rasa, persistent
session and history, quick replies, text-only rendering, the web inbox (live and on return), phone width.

Debian's chromium at /usr/bin/chromium (scripts/ensure-chromium.sh); `playwright install` is never used.
"""

from __future__ import annotations

from datetime import datetime, timezone

import aiohttp
from playwright.async_api import Browser, Dialog, Page, expect

from nurture_engine.inbox import InboxButton, new_message
from nurture_engine.store.inbox_sql import SqlInboxStore
from nurture_engine.testing import test_settings as settings_for_tests

from .browser import screenshot
from .responses import texts
from .stack import Stack, admin_get, wait_for

REPLY_TIMEOUT = 30_000
INBOX_TIMEOUT = 45_000  # the widget polls its inbox every 20 s while the page is open
XSS = "<img src=x onerror=alert(1)>"
GUIDE = "https://pipewise.example/guides/forecasting"


def line(name: str) -> str:
    """A response's text up to its first variable (the unconditional variant, listed last in the domain)."""
    return texts(name)[-1].split("{", 1)[0].strip()


async def bot_says(page: Page, text: str) -> None:
    await expect(page.locator("#nurture-widget .nw-bot", has_text=text).last).to_be_visible(timeout=REPLY_TIMEOUT)


async def type_message(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    await box.fill(text)
    await box.press("Enter")


async def post_inbox(stack: Stack, session_id: str, text: str, buttons: tuple[InboxButton, ...] = ()) -> str:
    store = SqlInboxStore(stack.database_url)
    await store.start()
    try:
        message = await store.post(new_message(session_id, text, datetime.now(timezone.utc), buttons=buttons))
    finally:
        await store.stop()
    return message.id


async def session_id(page: Page) -> str:
    value = await page.evaluate("localStorage.getItem('nurture-widget:session')")
    assert isinstance(value, str) and len(value) >= 16
    return value


async def shot(page: Page, name: str) -> None:
    await screenshot(page, f"widget-{name}")


async def test_widget_journey(sqlite_stack: Stack, browser: Browser, http: aiohttp.ClientSession) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    errors: list[str] = []  # script errors and console errors (a CSP violation is one)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    resp = await page.goto(sqlite_stack.serve_url + "/")
    assert resp is not None and resp.status == 200
    launcher = page.get_by_role("button", name="Open chat")
    await expect(launcher).to_be_visible()
    await launcher.click()
    panel = page.get_by_role("dialog", name=settings_for_tests().business.company)
    await expect(panel).to_be_visible()
    await expect(page.get_by_role("textbox", name="Message")).to_be_focused()

    # qualification by typing: the greeting is the bot's own, sent when the chat is first opened
    await bot_says(page, line("utter_ask_use_case"))
    sid = await session_id(page)
    await type_message(page, "we need better pipeline forecasting")
    await bot_says(page, line("utter_ask_role"))
    await type_message(page, "I'm the head of revops")
    await bot_says(page, line("utter_ask_company_size"))
    # the bot's own quick replies: clicking one sends its payload and shows its title
    await page.get_by_role("group", name="Suggested replies").get_by_role("button", name="201-1000").click()
    await bot_says(page, line("utter_profile_thanks"))
    await shot(page, "qualified")

    lead = await wait_for(lambda: admin_get(sqlite_stack, http, "/api/leads/lookup", channel="web", sender_id=sid),
                          lambda lead: {"use_case", "role", "company_size"} <= set(lead["profile"]))
    assert lead["identities"] == [{"channel": "web", "sender_id": sid}]
    assert lead["profile"]["role"] == {"title": "Head of Revenue Operations", "seniority": "director"}
    assert lead["profile"]["company_size"] == {"min": 201, "max": 1000}

    # reload: same session id, same history, the panel stays open, and Rasa still talks to the same sender
    before = await page.locator("#nurture-widget .nw-msg").all_inner_texts()
    await page.reload()
    await expect(panel).to_be_visible()
    assert await session_id(page) == sid
    assert await page.locator("#nurture-widget .nw-msg").all_inner_texts() == before
    await type_message(page, "how much does it cost?")
    await bot_says(page, settings_for_tests().business.pricing.split(".")[0])
    same = await admin_get(sqlite_stack, http, "/api/leads/lookup", channel="web", sender_id=sid)
    assert same["id"] == lead["id"] and same["identities"] == lead["identities"]

    # markup typed by the visitor is shown as text: no element is created, no script runs
    await page.evaluate("""() => {
        const typing = document.querySelector('#nurture-widget').shadowRoot.querySelector('.nw-typing');
        window.__typingSeen = false;
        new MutationObserver(() => { if (!typing.hidden) window.__typingSeen = true; })
            .observe(typing, {attributes: true});
    }""")
    replies = await page.locator("#nurture-widget .nw-bot").count()
    await type_message(page, XSS)
    user = page.locator("#nurture-widget .nw-user").last
    await expect(user).to_contain_text(XSS)
    await expect(page.locator("#nurture-widget .nw-bot")).not_to_have_count(replies, timeout=REPLY_TIMEOUT)
    assert await page.evaluate("window.__typingSeen") is True
    assert await page.locator("#nurture-widget img").count() == 0
    assert dialogs == [] and errors == []

    # a follow-up arrives in the inbox while the page is open and the chat closed: unread badge, then shown
    await page.get_by_role("button", name="Close chat").click()
    await expect(panel).to_be_hidden()
    await post_inbox(sqlite_stack, sid, f"Here is the forecasting playbook: {GUIDE} Shall we set up a demo?",
                     (InboxButton(title="Book a demo", payload="/request_demo"),
                      InboxButton(title="Not now", payload="/not_now")))
    badge = page.locator("#nurture-widget .nw-badge")
    await expect(badge).to_have_text("1", timeout=INBOX_TIMEOUT)
    await expect(page.get_by_role("button", name="Open chat (1 unread messages)")).to_be_visible()
    await shot(page, "unread-badge")
    await page.get_by_role("button", name="Open chat (1 unread messages)").click()
    await expect(badge).to_be_hidden()
    await expect(page.locator("#nurture-widget a.nw-link", has_text=GUIDE)).to_have_attribute("href", GUIDE)

    # clicking a quick reply sends its payload and shows its title; the bot carries on from there
    await page.get_by_role("group", name="Suggested replies").get_by_role("button", name="Book a demo").click()
    await expect(page.locator("#nurture-widget .nw-user").last).to_have_text("You: Book a demo")
    await expect(page.get_by_role("group", name="Suggested replies")).to_have_count(0)
    await bot_says(page, line("utter_ask_email"))
    await type_message(page, "lena@hooli.io")
    await bot_says(page, "lena@hooli.io")
    await shot(page, "demo-booked")
    lead = await wait_for(lambda: admin_get(sqlite_stack, http, "/api/leads/lookup", channel="web", sender_id=sid),
                          lambda lead: lead["profile"].get("email") == "lena@hooli.io")
    assert lead["demo_requested_at"] is not None and lead["id"] == same["id"]
    unread = await (await http.get(f"{sqlite_stack.serve_url}/api/inbox", params={"session_id": sid})).json()
    assert unread == {"messages": []}  # the widget acknowledged what it showed

    assert errors == []

    # the visitor leaves; a follow-up waits in the inbox and is shown when they come back
    await page.close()
    await post_inbox(sqlite_stack, sid, "Welcome back! Your pricing estimate is ready.")
    page = await context.new_page()
    await page.goto(sqlite_stack.serve_url + "/")
    await bot_says(page, "Your pricing estimate is ready.")
    assert await session_id(page) == sid
    texts_now = await page.locator("#nurture-widget .nw-msg").all_inner_texts()
    assert any(XSS in t for t in texts_now)  # restored from history, still as text
    assert await page.locator("#nurture-widget img").count() == 0
    await shot(page, "returning-visitor")
    await context.close()


async def test_widget_at_phone_width(sqlite_stack: Stack, browser: Browser) -> None:
    context = await browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(sqlite_stack.serve_url + "/")
    launcher = page.get_by_role("button", name="Open chat")
    box = await launcher.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 740
    await page.get_by_role("link", name="Chat with us").click()  # any [data-nurture-open] element opens it
    panel = page.get_by_role("dialog")
    await expect(panel).to_be_visible()
    await bot_says(page, line("utter_ask_use_case"))
    box = await panel.bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 740}
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await shot(page, "phone")
    await page.keyboard.press("Escape")  # keyboard: Escape closes and gives focus back to the launcher
    await expect(panel).to_be_hidden()
    await expect(launcher).to_be_focused()
    await context.close()
