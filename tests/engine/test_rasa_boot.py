"""nurture_engine.rasa_boot: Rasa validates action responses as before, skips only calls that change nothing,
and writes the same broker rows with fewer SQLite connections and commits."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from jsonschema import ValidationError
from rasa.core.actions.action import ActionExtractSlots, RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.pool import QueuePool

from nurture_engine import rasa_boot

DOMAIN_YAML = """
version: "3.1"
intents: [inform]
entities: [role]
slots:
  role:
    type: text
    influence_conversation: false
    mappings:
    - type: from_entity
      entity: role
forms:
  profile_form:
    required_slots: [role]
actions: [action_validate_slot_mappings]
"""


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    rasa_boot.apply()
    rasa_boot.apply()  # twice: the second call must not wrap the first


def remote() -> RemoteAction:
    return RemoteAction("validate_profile_form", EndpointConfig("http://127.0.0.1:9/webhook"))


def test_valid_responses_pass_and_invalid_ones_raise_rasas_error() -> None:
    action = remote()
    assert action._validate_action_result({"events": [{"event": "slot", "name": "role", "value": "cto"}],
                                           "responses": []})
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
    for bad in ({"events": [{"event": "slot", "name": 3}]}, {"events": "nope"}, {"events": [{"event": "nonsense"}]}):
        with pytest.raises(ValidationError, match="Failed to validate Action server response"):
            action._validate_action_result(bad)


class Calls:
    def __init__(self) -> None:
        self.names: list[str] = []

    async def __call__(self, name: str, *args: Any) -> list[Any]:
        self.names.append(name)
        return [SlotSet("role", "checked")]


def tracker(*, loop: str | None) -> DialogueStateTracker:
    events: list[Any] = [ActiveLoop(loop)] if loop else []
    events.append(UserUttered("I'm the CTO", intent={"name": "inform", "confidence": 1.0}))
    return DialogueStateTracker.from_events("s1", events)


async def run(slot_events: list[Any], *, loop: str | None) -> tuple[list[Any], list[str]]:
    domain = Domain.from_yaml(DOMAIN_YAML)
    action = ActionExtractSlots(action_endpoint=None)
    calls = Calls()
    action._run_custom_action = calls  # type: ignore[method-assign]
    result = await action._execute_validation_action(slot_events, None, None, tracker(loop=loop), domain)
    return result, calls.names


async def test_no_call_when_nothing_was_extracted() -> None:
    assert await run([], loop=None) == ([], [])


async def test_no_call_during_a_form_the_extracted_slots_stay() -> None:
    assert await run([SlotSet("role", "CTO")], loop="profile_form") == ([SlotSet("role", "CTO")], [])


async def test_extracted_slots_outside_a_form_are_validated_by_the_action() -> None:
    result, calls = await run([SlotSet("role", "CTO")], loop=None)
    assert calls == ["action_validate_slot_mappings"]
    assert result == [SlotSet("role", "checked")]


def broker_rows(url: str) -> list[tuple[int, str, dict[str, Any]]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, sender_id, data FROM events ORDER BY id")).all()
    finally:
        engine.dispose()
    return [(r[0], r[1], json.loads(r[2])) for r in rows]


async def test_a_turns_events_reach_the_sql_broker_in_one_transaction_as_the_same_rows(tmp_path: Path) -> None:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import InMemoryTrackerStore

    turn = [UserUttered("hi", intent={"name": "greet", "confidence": 1.0}, timestamp=1.0),
            ActionExecuted("utter_greet", timestamp=2.0), BotUttered("Hello!", timestamp=3.0),
            SlotSet("role", "CTO", timestamp=4.0), ActionExecuted("action_listen", timestamp=5.0)]
    batched, one_by_one = SQLEventBroker(db=str(tmp_path / "a.db")), SQLEventBroker(db=str(tmp_path / "b.db"))
    assert isinstance(batched.engine.pool, QueuePool)  # connections kept, not opened per event
    store = InMemoryTrackerStore(Domain.empty(), event_broker=batched)
    commits: list[int] = []
    sa.event.listen(batched.engine, "commit", lambda conn: commits.append(1))
    await store._stream_new_events(batched, turn, "s1")
    for event in turn:
        one_by_one.publish({"sender_id": "s1", **event.as_dict()})
    assert len(commits) == 1
    assert broker_rows(f"sqlite:///{tmp_path / 'a.db'}") == broker_rows(f"sqlite:///{tmp_path / 'b.db'}")
    assert [r[2]["event"] for r in broker_rows(f"sqlite:///{tmp_path / 'a.db'}")] == [
        "user", "action", "bot", "slot", "action"]


def test_tracker_store_sqlite_files_pool_connections_and_run_in_wal_mode(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    try:
        assert isinstance(store.engine.pool, QueuePool)
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        store.engine.dispose()


async def test_the_tracker_store_streams_each_event_once_across_turns_and_sessions(tmp_path: Path) -> None:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted

    broker = SQLEventBroker(db=str(tmp_path / "events.db"))
    store = SQLTrackerStore(Domain.from_yaml(DOMAIN_YAML), dialect="sqlite", db=str(tmp_path / "tracker.db"),
                            event_broker=broker)
    turns = [
        [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(timestamp=1.0),
         ActionExecuted("action_listen", timestamp=1.0), UserUttered("hi", timestamp=2.0),
         BotUttered("Hello!", timestamp=3.0), ActionExecuted("action_listen", timestamp=3.0)],
        [UserUttered("I'm the CTO", timestamp=4.0), SlotSet("role", "CTO", timestamp=5.0),
         ActionExecuted("action_listen", timestamp=5.0)],
        [ActionExecuted("action_session_start", timestamp=9.0), SessionStarted(timestamp=9.0),
         ActionExecuted("action_listen", timestamp=9.0), UserUttered("back again", timestamp=10.0)],
    ]
    tracker = DialogueStateTracker("s1", store.domain.slots)
    try:
        for turn in turns:
            for event in turn:
                tracker.update(event)
            await store.save(tracker)
            tracker = await store.retrieve("s1") or tracker  # as Rasa does: the next turn starts from the store
        published = [(r[2]["event"], r[2]["timestamp"]) for r in broker_rows(f"sqlite:///{tmp_path / 'events.db'}")]
        expected = [(e.as_dict()["event"], e.timestamp) for turn in turns for e in turn]
        assert published == expected
        assert stored_rows(store) == expected  # the save after the broker's count stored each event once
    finally:
        store.engine.dispose()
        broker.engine.dispose()


def stored_rows(store: Any) -> list[tuple[str, float]]:
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT data FROM events ORDER BY id")).all()
    return [(json.loads(r[0])["event"], json.loads(r[0])["timestamp"]) for r in rows]



async def test_the_tracker_stores_rows_equal_rasas_own_column_for_column(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    stores = [SQLTrackerStore(Domain.from_yaml(DOMAIN_YAML), dialect="sqlite", db=str(tmp_path / f"{name}.db"))
              for name in ("ours", "rasas")]
    events = [ActionExecuted("action_listen", timestamp=1.0),
              UserUttered("I'm the CTO", {"name": "inform", "confidence": 0.9}, [{"entity": "role", "value": "CTO"}],
                          timestamp=2.0),
              SlotSet("role", "CTO", timestamp=3.0), ActiveLoop("profile_form", timestamp=3.5),
              BotUttered("Thanks!", {"elements": None}, timestamp=4.0), ActionExecuted("action_listen", timestamp=4.0)]
    trackers = [DialogueStateTracker("s1", stores[0].domain.slots) for _ in stores]
    try:
        for split in (2, len(events)):  # two saves: the second writes only what the first did not
            for tracker in trackers:
                for event in events[len(tracker.events):split]:
                    tracker.update(event)
            await stores[0].save(trackers[0])
            await SQLTrackerStore.save.__wrapped__(stores[1], trackers[1])
        query = sa.text("SELECT * FROM events ORDER BY id")
        ours, rasas = ([tuple(row) for row in store.engine.connect().execute(query)] for store in stores)
        assert len(ours) == len(events) and ours == rasas
    finally:
        for store in stores:
            store.engine.dispose()


async def test_the_loaded_model_is_frozen_out_of_garbage_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc
    from types import SimpleNamespace

    import rasa.core.agent
    import rasa.core.run

    async def load_agent(**kwargs: Any) -> str:
        return "agent"

    monkeypatch.setattr(rasa.core.agent, "load_agent", load_agent)
    thresholds = gc.get_threshold()
    app = SimpleNamespace(ctx=SimpleNamespace())
    try:
        assert await rasa.core.run.load_agent_on_start("model.tar.gz", None, None, app, None) == "agent"
        assert app.ctx.agent == "agent" and gc.get_freeze_count() > 0 and gc.get_threshold()[0] >= 10_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_serving_rasa_runs_one_tensorflow_thread_per_pool_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    import rasa.__main__

    seen: list[tuple[str | None, str | None]] = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(
        (os.environ.get("TF_INTRA_OP_PARALLELISM_THREADS"), os.environ.get("TF_INTER_OP_PARALLELISM_THREADS"))))
    monkeypatch.setenv("TF_INTRA_OP_PARALLELISM_THREADS", "unset below")  # so that the test's end removes it
    monkeypatch.delenv("TF_INTRA_OP_PARALLELISM_THREADS")
    monkeypatch.setenv("TF_INTER_OP_PARALLELISM_THREADS", "2")  # the environment's choice is kept
    monkeypatch.setattr(sys, "argv", ["rasa_boot", "run"])
    rasa_boot.main()
    assert seen == [("1", "2")]
