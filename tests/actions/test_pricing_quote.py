""""how much for 25 seats?": each plan's total for that many users, in the domain's words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.answers import ActionAnswerProduct
from nurture_engine.service import NurtureService
from nurture_engine.testing import memory_service, with_business

from .test_actions import tracker

DOMAIN: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "bot" / "domain" / "product.yml").read_text())


async def ask(text: str, *, said_pricing: bool = False) -> dict[str, Any]:
    t = tracker(intent="ask_pricing", text=text, active_loop=None)
    if said_pricing:  # the pricing paragraph earlier in the session
        t.events.insert(1, {"event": "bot", "text": "Starter is ...", "metadata": {"utter_action": "utter_pricing"}})
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, t, DOMAIN)
    [message] = dispatcher.messages
    return dict(message)


async def test_a_number_of_seats_gets_each_plans_total(service: NurtureService) -> None:
    """Until stop 29 it got the whole pricing paragraph, to work the sum out from."""
    message = await ask("how much would it cost for 25 seats?")
    assert (message["response"], message["seats"]) == ("utter_pricing_quote", "25")
    assert message["quote"] == ("Starter is for up to 10 users; Growth comes to $2,475 a month ($99 per user); "
                                "Enterprise is custom-priced")
    assert message["contact_email"] == service.business.contact_email
    assert (await ask("price for 4 users"))["quote"].startswith("Starter comes to $196 a month ($49 per user); ")


async def test_asked_again_with_a_number_it_is_still_answered(service: NurtureService) -> None:
    """"what's the price for a team of 40?" after the paragraph got "I've shared what I can about that just
    above" until stop 29."""
    message = await ask("what's the price for a team of 40?", said_pricing=True)
    assert (message["response"], message["seats"]) == ("utter_pricing_quote", "40")
    assert "Growth comes to $3,960 a month" in message["quote"]


async def test_without_a_number_or_without_plans_the_paragraph_as_before(service: NurtureService) -> None:
    assert (await ask("how much does it cost?"))["response"] == "utter_pricing"
    runtime.install_service(memory_service(with_business(plans=None))[0])  # a nurture.yml without business.plans
    assert (await ask("how much for 25 seats?"))["response"] == "utter_pricing"


async def test_every_part_of_the_quote_is_a_template_of_the_domain() -> None:
    parts = DOMAIN["responses"]["utter_pricing_quote_parts"][0]["custom"]
    assert {"priced", "custom", "too_many", "too_few", "separator"} <= set(parts)
    assert "{seats}" in DOMAIN["responses"]["utter_pricing_quote"][0]["text"]
