""""do you integrate with salesforce and hubspot? and how much is it?" got the integrations answer alone (make run,
stop 33): a product question that also asks the price gets both answers."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerProduct
from nurture_engine.quote import asks_price_too
from nurture_engine.service import NurtureService

from .test_actions import DOMAIN, responses, tracker


async def test_a_product_question_that_also_asks_the_price_gets_both(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    text = "do you integrate with salesforce and hubspot? and how much is it?"
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_integrations", text=text, active_loop=None), DOMAIN)
    assert responses(dispatcher) == ["utter_integrations_named", "utter_pricing"]


async def test_a_question_about_quantities_gets_one_answer(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    text = "how much data can it handle?"
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_features", text=text, active_loop=None), DOMAIN)
    assert "utter_pricing" not in responses(dispatcher)


@pytest.mark.parametrize(("text", "asked"), [
    ("and how much is it?", True), ("what does it cost?", True), ("pricing?", True), ("how much for 10 users", True),
    ("how much data can it handle?", False), ("is there an API?", False), ("how much history does it need", False),
])
def test_a_price_asked_besides(text: str, asked: bool) -> None:
    assert asks_price_too(text) is asked


async def test_a_price_question_that_names_a_tool_also_gets_the_integration(service: NurtureService) -> None:
    """"does Pipewise work with Pipedrive and what does it cost for 8 people?" got the price alone (make run, stop
    34)."""
    dispatcher = CollectingDispatcher()
    text = "Hi! Quick question: does Pipewise work with Pipedrive and what does it cost for 8 people?"
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_pricing", text=text, active_loop=None), DOMAIN)
    assert responses(dispatcher) == ["utter_integrations_named", "utter_pricing_quote"]
    assert dispatcher.messages[0]["connectors"] == "Pipedrive"
    plain = CollectingDispatcher()
    asked = tracker(intent="ask_pricing", text="how much for 8 people?", active_loop=None)
    await ActionAnswerProduct().run(plain, asked, DOMAIN)
    assert responses(plain) == ["utter_pricing_quote"]
