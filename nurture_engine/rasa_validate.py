"""Rasa's action-response validation, one event at a time against the schema of its own type.

Rasa 3.6 checks every action server response against its response schema. Each event there must match
exactly one of 23 alternatives (`oneOf`), one per event type, each fixing `event` to its type's name, so
jsonschema tries all 23 for every event: in the load test, the one place where Rasa spent more CPU with
our action server than with a no-op one. Since the item schema requires `event` and no two alternatives
share a name, an event matches exactly one alternative when, and only when, it matches the item schema
without the alternatives and the one alternative of its own name: that is what is checked here. A schema
of another shape is validated as a whole, as before.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from jsonschema.validators import validator_for


class ResponseValidator:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        cls = validator_for(schema)
        cls.check_schema(schema)
        self._whole = cls(schema)
        self._split = _split(cls, schema)

    @property
    def by_event_type(self) -> bool:
        """Whether events are checked against their own type's schema (else the whole schema at once)."""
        return self._split is not None

    def is_valid(self, result: Any) -> bool:
        if self._split is None:
            return bool(self._whole.is_valid(result))
        outer, item, by_type = self._split
        if not outer.is_valid(result):
            return False
        events = result.get("events") if isinstance(result, dict) else None
        for event in events or ():
            if not item.is_valid(event):
                return False
            own = by_type.get(event["event"])  # the item schema made it an object with a string `event`
            if own is None or not own.is_valid(event):
                return False
        return True


def _split(cls: Any, schema: Mapping[str, Any]) -> tuple[Any, Any, dict[str, Any]] | None:
    """(the schema without the event alternatives, the item schema without them, one validator per event type),
    or None when the schema is not of that shape."""
    if "$ref" in json.dumps(schema):  # sub-schemas checked alone must not refer elsewhere
        return None
    try:
        events = schema["properties"]["events"]
        items = events["items"]
        alternatives = items["oneOf"]
        names = [a["properties"]["event"]["const"] for a in alternatives]
    except (KeyError, TypeError):
        return None
    if (events.get("type") != "array" or "event" not in items.get("required", ())
            or items.get("properties", {}).get("event", {}).get("type") != "string"
            or items.get("type") != "object" or len(set(names)) != len(names)
            or not all(isinstance(n, str) for n in names)):
        return None
    outer = copy.deepcopy(dict(schema))
    del outer["properties"]["events"]["items"]
    item = {k: v for k, v in items.items() if k != "oneOf"}
    return cls(outer), cls(item), {name: cls(alt) for name, alt in zip(names, alternatives, strict=True)}
