""""you're a stupid bot", said to the use-case question, was stored as the use case, and "this is useless" got
"that's outside what I can help with" (make run, stop 34): a complaint about the assistant is no answer, and gets an
apology and the offer of a person."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionOutOfScope
from actions.profiling import ValidateProfileForm
from nurture_engine.domain import ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.normalize import normalise
from nurture_engine.objections import is_remark
from nurture_engine.service import NurtureService
from nurture_engine.testing import PROJECT_ROOT, T0

from .test_actions import CONV, responses, tracker

DOMAIN = {"responses": {"utter_invalid_remark": [{"text": "Sorry I'm not more help."}]}}


async def test_a_complaint_said_to_a_question_is_no_answer(service: NurtureService) -> None:
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, text="you're a stupid bot",
                new_slots={"use_case": "you're a stupid bot"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_remark"]
    assert SlotSet("use_case", None) in events and events[-1] == SlotSet("requested_slot", "use_case")
    assert ProfileField.USE_CASE not in (await service.lead_for(CONV)).profile
    assert "utter_invalid_remark:" in (PROJECT_ROOT / "bot/domain/profiling.yml").read_text()


async def test_a_complaint_read_as_off_topic_gets_an_apology(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, tracker(intent="out_of_scope", text="this is useless", active_loop=None),
                                 DOMAIN)
    assert responses(dispatcher) == ["utter_invalid_remark"]
    again = tracker(intent="out_of_scope", text="this bot sucks", active_loop=None)
    again.events.insert(1, {"event": "bot", "text": "Sorry", "metadata": {"utter_action": "utter_invalid_remark"}})
    dispatcher = CollectingDispatcher()
    await ActionOutOfScope().run(dispatcher, again, DOMAIN)
    assert responses(dispatcher) == ["utter_offer_person"]  # the second time: the button to a person


@pytest.mark.parametrize(("text", "remark"), [
    ("you're a stupid bot", True), ("this is useless", True), ("this bot sucks", True), ("you are not helpful", True),
    ("what a waste of time", True), ("ugh, this is so annoying", True), ("that's not very helpful", True),
    ("our current tool is useless at forecasting", False), ("this is for our sales team", False),
    ("you are great", False), ("this is useless for us because we need forecasting and more", False),
])
def test_is_remark(text: str, remark: bool) -> None:
    assert is_remark(text) is remark
    if remark:
        with pytest.raises(InvalidValue, match="remark"):
            normalise(ProfileField.USE_CASE, text, T0)
