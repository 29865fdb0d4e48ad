"""action_privacy_request: the reply names what happens, and an erasure request stops messages at once."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.consent import ActionPrivacyRequest
from nurture_engine.domain import ConsentStatus
from nurture_engine.service import NurtureService

from .test_actions import CONV, DOMAIN, tracker


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
