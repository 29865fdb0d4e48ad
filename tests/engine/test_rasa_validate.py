"""nurture_engine.rasa_validate gives the verdict of Rasa's whole response schema, event by event."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from nurture_engine.rasa_validate import ResponseValidator

SCHEMA = RemoteAction.action_response_format_spec()
WHOLE = validator_for(SCHEMA)(SCHEMA)
FAST = ResponseValidator(SCHEMA)
EVENTS: list[dict[str, Any]] = [e.as_dict() for e in (
    SlotSet("role", {"title": "CTO", "seniority": "c_level"}), SlotSet("requested_slot", None),
    BotUttered("hi", {"buttons": []}, {"utter_action": "utter_greet"}), ActionExecuted("action_listen"),
    UserUttered("I'm Ana", {"name": "inform", "confidence": 0.9},
                [{"entity": "name", "value": "Ana", "start": 4, "end": 7}]),
    ActiveLoop("profile_form"), ActiveLoop(None), Restarted(), AllSlotsReset(), SessionStarted(),
    FollowupAction("utter_greet"))]
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
KEYS = sorted({k for e in EVENTS for k in e} | {"name", "value", "text", "entities", "intent", "extra"})


def test_the_schema_is_of_the_shape_checked_by_event_type() -> None:
    assert FAST.by_event_type


def test_rasas_own_events_and_responses() -> None:
    for event in EVENTS:
        result = {"events": [event], "responses": [{"text": "hi"}]}
        assert FAST.is_valid(result) is WHOLE.is_valid(result) is True
    for result in ({"events": "nope"}, {"events": [{"event": "nonsense"}]}, {"events": [{"name": "x"}]},
                   {"events": [3]}, {"responses": [1]}, [], {"events": [{"event": "slot", "name": 3, "value": 1}]}):
        assert FAST.is_valid(result) is WHOLE.is_valid(result) is False, result


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(EVENTS), st.lists(st.tuples(st.sampled_from(KEYS), JSON | st.just(...)), max_size=3),
       st.sampled_from([None, *sorted({e["event"] for e in EVENTS}), "agent", "nonsense", 7]))
def test_the_same_verdict_as_the_whole_schema(event: dict[str, Any], changes: list[tuple[str, Any]],
                                              kind: Any) -> None:
    mutated = dict(event)
    for key, value in changes:
        if value is ...:
            mutated.pop(key, None)
        else:
            mutated[key] = value
    if kind is not None:
        mutated["event"] = kind
    result = {"events": [event, mutated]}
    assert FAST.is_valid(result) == WHOLE.is_valid(result)


def test_another_shape_is_validated_whole() -> None:
    schema = {"type": "object", "properties": {"events": {"type": "array", "items": {"type": "object"}}}}
    other = ResponseValidator(schema)
    assert not other.by_event_type
    assert other.is_valid({"events": [{}]}) and not other.is_valid({"events": [1]})
