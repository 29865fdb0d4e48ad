"""Runs `rasa` (the pinned 3.6) with these savings, nothing else changed.

1. **Response validation without re-checking the schema.** Rasa 3.6 validates each action server response with
   `jsonschema.validate(result, schema)`, which first checks its large events schema against the JSON Schema
   meta-schema: about 30-50 ms of CPU per call on a small machine, more than the turn's own work. Here the schema
   is checked once, and each event is checked against its own type's part of it (`nurture_engine.rasa_validate`:
   the same verdict, without trying all 23 event types per event); an invalid response still raises Rasa's error.
2. **No idle call of `action_validate_slot_mappings`.** After each user message Rasa calls that action even when no
   slot was extracted, or when a form is active. Ours (`actions/profiling.py`, `ValidateSlotMappings`) returns no
   events in both cases (a form validates its own turn), and Rasa keeps the extracted slots when the action returns
   none, so the call is skipped there with the same result.

3. **SQLite without a connection and a commit per event** (`nurture_engine.rasa_sqlite`) and in WAL mode
   (`nurture_engine.store.sqlite_wal`), as the other processes that share the files.
4. **The loaded model out of the garbage collector's way** (`nurture_engine.gc_tuning`, as in our own
   services): with TensorFlow and the model loaded, Rasa's process holds ~500,000 objects, and every full
   collection walked them all (~270 ms with the event loop stopped, so every conversation waited); once
   the agent is loaded they are frozen, and the young generation is collected less often.
5. **One TensorFlow thread** per pool unless the environment says otherwise (see `main`).

`nurture up` and the tests start Rasa as `python -m nurture_engine.rasa_boot run ...`. Each change checks
that Rasa still has what it replaces and leaves it alone (logging why) otherwise.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from . import rasa_sqlite
from .gc_tuning import tune_for_service
from .rasa_sqlite import replace_attr
from .store.sqlite_wal import use_wal_everywhere

log = logging.getLogger(__name__)
SLOT_VALIDATION = "action_validate_slot_mappings"


def cache_response_validator() -> bool:
    import rasa.shared.core.events  # noqa: F401 - the action module needs the events loaded
    from rasa.core.actions.action import RemoteAction

    from .rasa_validate import ResponseValidator

    def make(original: Any) -> Any:
        built: dict[str, ResponseValidator] = {}

        def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
            validator = built.get("validator")
            if validator is None:
                validator = built["validator"] = ResponseValidator(self.action_response_format_spec())
            if not validator.is_valid(result):
                return bool(original(self, result))  # raises Rasa's own error for the invalid response
            return True
        return validate

    return replace_attr(RemoteAction, "_validate_action_result", make, "response validation")


def skip_idle_slot_validation() -> bool:
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.shared.core.events import SlotSet

    def make(original: Any) -> Any:
        async def execute(self: ActionExtractSlots, extraction_events: list[Any], output_channel: Any, nlg: Any,
                          tracker: Any, domain: Any) -> list[Any]:
            slot_events = [e for e in extraction_events if isinstance(e, SlotSet)]
            if SLOT_VALIDATION in domain.user_actions and (not slot_events or tracker.active_loop_name):
                return slot_events  # what Rasa returns when the action answers with no events
            return list(await original(self, extraction_events, output_channel, nlg, tracker, domain))
        return execute

    return replace_attr(ActionExtractSlots, "_execute_validation_action", make, "slot validation calls")


def freeze_after_model_load() -> bool:
    import rasa.core.run

    def make(original: Any) -> Any:
        async def load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
            agent = await original(*args, **kwargs)
            tune_for_service()
            return agent
        return load_agent_on_start

    return replace_attr(rasa.core.run, "load_agent_on_start", make, "garbage collection of the loaded model")


def apply() -> None:
    use_wal_everywhere()
    rasa_sqlite.apply()
    cache_response_validator()
    skip_idle_slot_validation()
    freeze_after_model_load()


def main() -> None:
    # One message at a time per process: TensorFlow's thread pools (the sentence encoder runs on them) spun on
    # the second core after each operation, CPU the action server needs (Rasa's CPU per turn 31 -> 26 ms,
    # same latency). `nurture train` does not come through here and keeps every core.
    os.environ.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    os.environ.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    apply()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
