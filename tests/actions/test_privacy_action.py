"""action_privacy_request: the reply names what happens, and an erasure request stops messages at once;
action_opt_out: a clear opt-out is acted on, an unsure one asked about first; action_show_my_data: this chat's facts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.consent import ActionOptOut, ActionPrivacyRequest, ActionShowMyData, field_labels
from nurture_engine.conversation import Conversation
from nurture_engine.domain import Channel, ConsentStatus, ProfileField
from nurture_engine.service import NurtureService

from .test_actions import CONV, DOMAIN, responses, tracker


@pytest.mark.parametrize(("text", "response", "status"), [
    ("please delete my data", "utter_privacy_erase_requested", ConsentStatus.OPTED_OUT),
    ("send me a copy of my data", "utter_privacy_export_requested", ConsentStatus.UNKNOWN),
    ("I have a GDPR request", "utter_privacy_request_received", ConsentStatus.UNKNOWN),
])
async def test_the_reply_follows_the_right_asked_for(service: NurtureService, text: str, response: str,
                                                     status: ConsentStatus) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionPrivacyRequest().run(
        dispatcher, tracker(intent="privacy_request", text=text, active_loop=None), DOMAIN)
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == response and message["contact_email"] == service.business.contact_email
    assert (await service.lead_for(CONV)).consent.status is status


@pytest.mark.parametrize(("text", "confidence", "opted_out"), [
    ("STOP", 0.41, True),  # the words say it, however unsure the reading
    ("please don't message me again", 0.2, True),
    ("unsubscribe", 0.0, True),
    ("/opt_out", 1.0, True),  # the "Yes, stop messages" button
    ("opt me out of this", 0.9, True),  # a sure reading
    ("could you tell me more", 0.38, False),  # an unsure reading without the words: asked first
    ("contact", 0.59, False),
])
async def test_an_opt_out_is_acted_on_when_clear_and_asked_about_when_not(
        service: NurtureService, text: str, confidence: float, opted_out: bool) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(intent="opt_out", text=text, active_loop=None)
    t.latest_message["intent"]["confidence"] = confidence
    assert await ActionOptOut().run(dispatcher, t, DOMAIN) == []
    assert responses(dispatcher) == (["utter_opted_out"] if opted_out else ["utter_confirm_opt_out"])
    status = (await service.lead_for(CONV)).consent.status
    assert status is (ConsentStatus.OPTED_OUT if opted_out else ConsentStatus.UNKNOWN)


def test_the_confirmation_offers_both_answers_as_intents() -> None:
    domain = yaml.safe_load((Path(__file__).parents[2] / "bot" / "domain" / "consent.yml").read_text())
    [variant] = domain["responses"]["utter_confirm_opt_out"]
    assert [b["payload"] for b in variant["buttons"]] == ["/opt_out", "/deny"]  # both intents with rules


LABELS = {"responses": {"utter_my_data_labels": [{"custom": {"name": "name", "company": "company", "role": "role"}}]}}


async def test_what_do_you_know_about_me_reads_out_this_chats_facts(service: NurtureService) -> None:
    await service.record_answers(CONV, {ProfileField.NAME: "Dana Whitfield", ProfileField.COMPANY: "Kestrel Labs",
                                        ProfileField.ROLE: "head of growth"})
    dispatcher = CollectingDispatcher()
    assert await ActionShowMyData().run(dispatcher, tracker(intent="ask_my_data", active_loop=None), LABELS) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_my_data"
    assert message["facts"] == "name: Dana Whitfield; company: Kestrel Labs; role: Head of Growth"
    assert message["contact_email"] == service.business.contact_email


async def test_nothing_told_yet_is_said_plainly(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionShowMyData().run(dispatcher, tracker(intent="ask_my_data", active_loop=None), LABELS)
    assert responses(dispatcher) == ["utter_my_data_none"]


async def test_facts_from_another_chat_are_not_read_out(service: NurtureService) -> None:
    other = Conversation(channel=Channel.TELEGRAM, sender_id="4242")
    await service.record_answers(other, {ProfileField.NAME: "Dana Whitfield", ProfileField.ROLE: "head of growth",
                                         ProfileField.EMAIL: "dana@kestrel.example"})  # the richer lead: kept
    await service.record_answers(CONV, {ProfileField.EMAIL: "dana@kestrel.example",
                                        ProfileField.COMPANY: "Kestrel Labs"})  # merged on the email
    dispatcher = CollectingDispatcher()
    await ActionShowMyData().run(dispatcher, tracker(intent="ask_my_data", active_loop=None), LABELS)
    assert responses(dispatcher) == ["utter_my_data", "utter_my_data_elsewhere"]
    assert dispatcher.messages[0]["facts"] == "company: Kestrel Labs"


def test_every_profile_field_has_a_label_in_the_domain() -> None:
    domain = yaml.safe_load((Path(__file__).parents[2] / "bot" / "domain" / "consent.yml").read_text())
    assert set(field_labels(domain)) == {f.value for f in ProfileField}
    assert field_labels({}) == {} and field_labels({"responses": {"utter_my_data_labels": [{"text": "x"}]}}) == {}


async def test_a_no_read_as_a_privacy_request_is_not_passed_on(service: NurtureService) -> None:
    """On the peer set, "no" messages were read as privacy requests: no alert, no opt-out, "could you rephrase?"."""
    dispatcher = CollectingDispatcher()
    t = tracker(intent="privacy_request", text="no thank you, I'm fine", active_loop=None)
    assert await ActionPrivacyRequest().run(dispatcher, t, DOMAIN) == []
    assert responses(dispatcher) == ["utter_default"]
    assert await service.lookup(CONV) is None  # nothing recorded: no interaction, no lead
