"""Demo, sales and human requests: recorded with the minimum needed (an email) to follow up."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from .runtime import MEETING_OFFERED, conversation, service


class ActionRecordDemoRequest(Action):
    def name(self) -> str:
        return "action_record_demo_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        kind = tracker.get_slot("demo_kind") or "request_demo"
        svc = await service()
        await svc.record_demo_request(conversation(tracker), kind)
        dispatcher.utter_message(response="utter_demo_booked", meeting_link=svc.business.meeting_link,
                                 email=tracker.get_slot("email") or "")
        # the link is given here: "what happens next?" after it got it twice until stop 29 (the questions' closing
        # words offered it again)
        return [SlotSet(MEETING_OFFERED, True)]
