""""can I try it for free?" is request_demo, as is "I want a demo": until stop 34 both heard "Great, let's set up a
demo." A request for the trial sets demo_kind to "trial", which the intro and the booking words are chosen by."""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ValidateDemoForm
from actions.profiling import ValidateSlotMappings
from nurture_engine.next_steps import asks_for_trial
from nurture_engine.service import NurtureService
from nurture_engine.testing import PROJECT_ROOT

from .test_actions import tracker


@pytest.mark.parametrize("active_loop", [None, "profile_form"])
async def test_a_trial_request_sets_the_kind(service: NurtureService, active_loop: str | None) -> None:
    t = tracker(intent="request_demo", text="can I try it for free?", active_loop=active_loop)
    events = await ValidateSlotMappings().run(CollectingDispatcher(), t, {})
    assert events[:1] == [SlotSet("demo_kind", "trial")]
    demo = tracker(intent="request_demo", text="I'd like a demo", active_loop=active_loop)
    assert SlotSet("demo_kind", "trial") not in await ValidateSlotMappings().run(CollectingDispatcher(), demo, {})


def test_the_domain_has_words_for_a_trial() -> None:
    sales = yaml.safe_load((PROJECT_ROOT / "bot/domain/sales.yml").read_text())
    assert "trial" in sales["slots"]["demo_kind"]["values"]
    for response in ("utter_demo_intro", "utter_demo_booked"):
        trial = [v for v in sales["responses"][response] if v.get("condition", [{}])[0].get("value") == "trial"]
        assert len(trial) == 1 and "trial" in trial[0]["text"]


@pytest.mark.parametrize(("text", "trial"), [
    ("can I try it for free?", True), ("how do I sign up?", True), ("I want to start a free trial", True),
    ("can I create an account", True), ("I'd like a demo", False), ("can I try a demo first?", False),
    ("book a call please", False), ("let's do it", False),
])
def test_asks_for_trial(text: str, trial: bool) -> None:
    assert asks_for_trial(text) is trial


async def test_the_demo_form_keeps_the_trial_kind_it_sets_again_on_starting(service: NurtureService) -> None:
    """The demo form, starting, sets demo_kind from the intent again ("request_demo"): its validation says "trial"
    after that (make run, stop 34: the booking said "pick a time" to a trial request)."""
    t = tracker(intent="request_demo", text="how do I sign up?", active_loop="demo_form",
                slots={"requested_slot": "email"})
    events = await ValidateDemoForm().run(CollectingDispatcher(), t, {"responses": {}})
    assert events[-1] == SlotSet("demo_kind", "trial")
