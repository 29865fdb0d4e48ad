"""A digression that also carries facts ("can I get a demo? We're at Nimbus, 600 employees") while the questions
are open: the facts are stored and the form steps aside, so that the digression's own rule runs."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection

from actions.profiling import ValidateProfileForm
from nurture_engine.domain import Channel, ProfileField
from nurture_engine.service import Conversation, NurtureService

CONV = Conversation(channel=Channel.WEB, sender_id="visitor")
DOMAIN: dict[str, Any] = {"responses": {}, "forms": {"profile_form": {"required_slots": ["use_case", "company"]}}}


def user_turn(intent: str, text: str, slots: dict[str, Any], *, after: str = "action_listen",
              active_loop: str | None = "profile_form") -> Tracker:
    """The tracker the form's validation gets: the last action, the user's message, its slot candidates."""
    events: list[dict[str, Any]] = [{"event": "action", "name": after},
                                    {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}},
                                     "input_channel": "socketio"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in slots.items()]
    # as Rasa sends them: the running form's own action event, then the slot candidates again
    events += [{"event": "action", "name": "profile_form"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in slots.items()]
    return Tracker.from_dict({"sender_id": "visitor", "events": events, "latest_input_channel": "socketio",
                              "slots": {"requested_slot": "use_case", "profile_asked": ["use_case"], **slots},
                              "latest_message": {"intent": {"name": intent}, "text": text, "entities": []},
                              "latest_action_name": "profile_form",  # Rasa names the running form
                              "active_loop": {"name": active_loop} if active_loop else {}})


async def test_a_demo_request_with_facts_mid_questions_stores_them_and_lets_its_rule_run(
        service: NurtureService) -> None:
    text = "actually can I get a demo? I'm at Nimbus, 600 employees"
    t = user_turn("request_demo", text, {"company": "Nimbus", "company_size": "600 employees"})
    with pytest.raises(ActionExecutionRejection):
        await ValidateProfileForm().run(CollectingDispatcher(), t, DOMAIN)
    profile = (await service.lead_for(CONV)).profile
    assert profile[ProfileField.COMPANY].value == "Nimbus"
    assert profile[ProfileField.COMPANY_SIZE].value == {"min": 600, "max": 600}


@pytest.mark.parametrize("intent", ["ask_pricing", "contact_sales", "human_handoff", "opt_out", "explain"])
async def test_every_digression_steps_aside_even_without_facts(service: NurtureService, intent: str) -> None:
    with pytest.raises(ActionExecutionRejection):
        await ValidateProfileForm().run(CollectingDispatcher(), user_turn(intent, "?", {}), DOMAIN)


async def test_answers_refusals_and_the_form_restarting_are_the_forms_own(service: NurtureService) -> None:
    """An answer (inform), a refusal (deny), an unusual company read as out_of_scope, and the form's run after a
    digression's answer (not after the user's message) or at its start are validated as before."""
    form = ValidateProfileForm()
    for intent, text in (("inform", "forecasting"), ("deny", "rather not say"), ("out_of_scope", "Zorblax")):
        events = await form.run(CollectingDispatcher(), user_turn(intent, text, {"use_case": text}), DOMAIN)
        assert events, intent
    after_answer = user_turn("ask_pricing", "how much?", {}, after="action_answer_product")
    assert await form.run(CollectingDispatcher(), after_answer, DOMAIN)
    starting = user_turn("request_content", "any case studies?", {}, active_loop=None)
    assert await form.run(CollectingDispatcher(), starting, DOMAIN)


def test_the_digressions_are_the_intents_with_a_rule_of_their_own_mid_questions() -> None:
    """DIGRESSION_INTENTS must follow bot/rules: an intent given its own mid-questions rule later, but not listed,
    would be swallowed by the form whenever its message carries a fact."""
    import yaml

    from nurture_engine.profiling import DIGRESSION_INTENTS
    from nurture_engine.testing import PROJECT_ROOT

    with_rules = set()
    for path in (PROJECT_ROOT / "bot" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text())["rules"]:
            first = rule["steps"][0]
            if {"active_loop": "profile_form"} in (rule.get("condition") or []) and "intent" in first:
                with_rules.add(first["intent"])
    assert with_rules - {"out_of_scope"} == DIGRESSION_INTENTS  # out_of_scope: how unusual names arrive


async def test_a_greeting_that_answers_the_timeline_question_is_its_answer(service: NurtureService) -> None:
    """"H2", read as a greeting, got "I'm still here" until stop 31."""
    t = user_turn("greet", "H2", {"timeline": "H2"})
    t.slots.update({"requested_slot": "timeline", "profile_asked": ["timeline"]})
    events = await ValidateProfileForm().run(CollectingDispatcher(), t, DOMAIN)
    assert any(e["name"] == "timeline" and e["value"] and e["value"]["label"] == "H2" for e in events), events
    hello = user_turn("greet", "hi there", {"timeline": "hi there"})
    hello.slots.update({"requested_slot": "timeline", "profile_asked": ["timeline"]})
    with pytest.raises(ActionExecutionRejection):
        await ValidateProfileForm().run(CollectingDispatcher(), hello, DOMAIN)
