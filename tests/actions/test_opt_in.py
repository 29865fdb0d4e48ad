""""/start" typed by a new visitor got "Great, you're subscribed again." (make run, stop 33): "again" is only for
someone who had opted out."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.consent import ActionOptIn
from nurture_engine.domain import Channel, ConsentStatus
from nurture_engine.service import Conversation, NurtureService

from .test_demo_form import user

CONV = Conversation(channel=Channel.WEB, sender_id="visitor")


def opt_in(text: str) -> Tracker:
    return Tracker.from_dict({"sender_id": "visitor", "slots": {}, "active_loop": {},
                              "events": [{"event": "session_started"}, user(text, "opt_in")],
                              "latest_message": {"intent": {"name": "opt_in"}, "text": text, "entities": []},
                              "latest_input_channel": "socketio"})


async def test_a_first_opt_in_is_no_subscription_again(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOptIn().run(dispatcher, opt_in("/start"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_opted_in_first"]
    assert (await service.lead_for(CONV)).consent.status is ConsentStatus.OPTED_IN


async def test_after_an_opt_out_it_is_a_subscription_again(service: NurtureService) -> None:
    await service.set_consent(CONV, ConsentStatus.OPTED_OUT, "STOP")
    dispatcher = CollectingDispatcher()
    await ActionOptIn().run(dispatcher, opt_in("START"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_opted_in"]
