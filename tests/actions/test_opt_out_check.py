"""action_opt_out_reply: "yes" or "no" to "do you want me to stop sending you messages?". Yes opts out; no carries
on with the question that the check interrupted (until stop 22 the questions stopped there)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.consent import ActionOptOutReply
from nurture_engine.domain import ConsentStatus
from nurture_engine.service import NurtureService
from nurture_engine.testing import memory_service

from .test_actions import CONV, DOMAIN, responses


def _user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "socketio"}


def after_check(reply: str, intent: str, *, form: str | None = "profile_form",
                bot_said: str = "utter_confirm_opt_out") -> Tracker:
    """The events Rasa records: the form asking, "could you tell me more" read as opt_out, the opt-out rule ending
    the form, the check, then the reply."""
    events: list[dict[str, Any]] = []
    if form:
        events += [{"event": "active_loop", "name": form}, {"event": "slot", "name": "requested_slot",
                                                            "value": "use_case"}]
    events += [_user("could you tell me more", "opt_out")]
    if form:
        events += [{"event": "action", "name": "action_deactivate_loop"}, {"event": "active_loop", "name": None}]
    events += [{"event": "action", "name": "action_opt_out"},
               {"event": "bot", "text": "Just to check", "metadata": {"utter_action": bot_said}},
               {"event": "action", "name": "action_listen"}, _user(reply, intent)]
    return Tracker.from_dict({"sender_id": "visitor", "slots": {}, "events": events,
                              "latest_message": {"intent": {"name": intent}, "text": reply, "entities": []},
                              "latest_input_channel": "socketio", "active_loop": {}})


@pytest.mark.parametrize(("form", "expected"), [("profile_form", "profile_form"), ("demo_form", "demo_form"),
                                                (None, None)])
async def test_no_carries_on_with_the_interrupted_questions(service: NurtureService, form: str | None,
                                                           expected: str | None) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionOptOutReply().run(dispatcher, after_check("No, carry on", "deny", form=form), DOMAIN)
    if expected:
        assert responses(dispatcher) == ["utter_carry_on"] and events == [FollowupAction(expected)]
    else:
        assert responses(dispatcher) == ["utter_no_problem"] and events == []
    assert (await service.lead_for(CONV)).consent.status is ConsentStatus.UNKNOWN


async def test_yes_opts_out_with_both_messages_as_evidence() -> None:
    svc, store, _ = memory_service()
    runtime.install_service(svc)
    try:
        dispatcher = CollectingDispatcher()
        assert await ActionOptOutReply().run(dispatcher, after_check("yes", "affirm"), DOMAIN) == []
    finally:
        runtime.install_service(None)
    assert responses(dispatcher) == ["utter_opted_out"]
    assert (await svc.lead_for(CONV)).consent.status is ConsentStatus.OPTED_OUT
    [(_, status, _, _, text)] = store.consent_ledger
    assert status is ConsentStatus.OPTED_OUT and text == "could you tell me more / asked to confirm: yes"


@pytest.mark.parametrize(("intent", "response"), [("affirm", "utter_how_can_help"), ("deny", "utter_no_problem")])
async def test_after_a_clear_opt_out_a_yes_or_no_is_only_that(service: NurtureService, intent: str,
                                                              response: str) -> None:
    """"STOP" was acted on at once (no check): a "no" after it must not start the questions again."""
    dispatcher = CollectingDispatcher()
    t = after_check("no", intent, bot_said="utter_opted_out")
    assert await ActionOptOutReply().run(dispatcher, t, DOMAIN) == []
    assert responses(dispatcher) == [response]
    assert (await service.lead_for(CONV)).consent.status is ConsentStatus.UNKNOWN
