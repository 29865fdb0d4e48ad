"""Rasa 3.6's SQL tracker store and SQL event broker on SQLite, without a connection and a commit per event.

Applied by `nurture_engine.rasa_boot` in the Rasa process only. Profiled under load (bench/RESULTS.md), Rasa
spent about a quarter of its busy time opening, committing and closing SQLite connections: SQLAlchemy 1.4 opens
a new connection for every session on a SQLite file, and the broker publishes each event of a turn in its own
session and transaction (about 8 per turn, ~5 ms each, blocking the event loop).

- SQLite file engines of the tracker store and the broker keep their connections in a small pool.
- The new events of a turn go to the SQL broker in one transaction and one INSERT statement: the same rows,
  in the same order, with the same ids; only the commits between them are gone. Other brokers (RabbitMQ)
  are untouched. The SQL tracker store also writes a turn's rows with one INSERT statement instead of one
  ORM object each (SQLAlchemy's flush was ~7 % of Rasa's CPU under load).
- The SQL tracker store (SQLite or PostgreSQL) finds a turn's new events by counting the session's stored
  events once per save, for the broker and for its own insert: Rasa loads and rebuilds the whole stored
  tracker for the broker and then counts for the insert (it slices the new tracker at that count either way).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
POOL = {"pool_size": 2, "max_overflow": 4}
MARK = "_nurture_rasa_boot"


def replace_attr(owner: Any, name: str, make: Callable[[Any], Any], what: str) -> bool:
    """Replaces `owner.name` with `make(original)` once (a second call keeps the first replacement); logs
    and returns False when this Rasa has no such attribute, so Rasa then runs unchanged there."""
    original = getattr(owner, name, None)
    if original is None:
        log.warning("%s.%s not found in this Rasa: %s left as it is", getattr(owner, "__name__", owner), name, what)
        return False
    if not getattr(original, MARK, False):
        replacement = make(original)
        setattr(replacement, MARK, True)
        replacement.__wrapped__ = original  # what Rasa had, for tests that compare the two
        setattr(owner, name, replacement)
    return True


def _sqlite_file(url: Any) -> bool:
    text = str(url)
    return text.startswith("sqlite") and ":memory:" not in text and text not in ("sqlite://", "sqlite:///")


def pooled_sqlite_kwargs() -> dict[str, Any]:
    from sqlalchemy.pool import QueuePool

    # Rasa runs its store calls on the event loop's thread; the pool hands a connection to one user at a time
    return {"poolclass": QueuePool, **POOL, "connect_args": {"check_same_thread": False}}


def pool_tracker_store_connections() -> bool:
    import rasa.core.tracker_store as ts

    def make(original: Any) -> Any:
        def kwargs(url: Any) -> dict[str, Any]:
            return pooled_sqlite_kwargs() if _sqlite_file(url) else dict(original(url))
        return kwargs

    return replace_attr(ts, "create_engine_kwargs", make, "tracker store connections (not pooled)")


def pool_broker_connections() -> bool:
    import sqlalchemy
    import sqlalchemy.orm
    from rasa.core.brokers.sql import SQLEventBroker

    def make(init: Any) -> Any:
        def pooled_init(self: SQLEventBroker, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **kwargs)
            if _sqlite_file(self.engine.url):
                url = self.engine.url
                self.engine.dispose()
                self.engine = sqlalchemy.create_engine(url, **pooled_sqlite_kwargs())
                self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)
        return pooled_init

    return replace_attr(SQLEventBroker, "__init__", make, "broker connections (not pooled)")


def publish_turns_in_one_transaction() -> bool:
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.core.tracker_store import TrackerStore

    def make(stream: Any) -> Any:
        async def stream_new_events(self: TrackerStore, event_broker: Any, new_events: list[Any],
                                    sender_id: str) -> None:
            if not isinstance(event_broker, SQLEventBroker):
                await stream(self, event_broker, new_events, sender_id)
                return
            rows = [{"sender_id": sender_id, "data": json.dumps({"sender_id": sender_id, **event.as_dict()})}
                    for event in new_events]
            if rows:  # one INSERT executed for all rows: the ORM's flush cost more than the writing
                with event_broker.session_scope() as session:
                    session.execute(event_broker.SQLBrokerEvent.__table__.insert(), rows)
                    session.commit()
        return stream_new_events

    return replace_attr(TrackerStore, "_stream_new_events", make, "broker events (published one by one)")


def event_rows(sender_id: str, events: Any) -> list[dict[str, Any]]:
    """The tracker store's `events` rows of these events, column for column as Rasa 3.6 writes them."""
    rows = []
    for event in events:
        data = event.as_dict()
        rows.append({"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                     "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                     "action_name": data.get("name"), "data": json.dumps(data)})
    return rows


def save_with_one_count_and_one_insert() -> bool:
    from rasa.core.tracker_store import SQLTrackerStore

    if not hasattr(SQLTrackerStore, "_event_query"):
        log.warning("SQLTrackerStore._event_query not found in this Rasa: the stored tracker is reloaded per save")
        return False

    def make(original: Any) -> Any:
        async def save(self: SQLTrackerStore, tracker: Any) -> None:
            # Rasa holds the conversation's lock for the whole save: the count stays right until the insert.
            with self.session_scope() as session:
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if self.event_broker is not None and self.domain:
                await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
            else:  # Rasa's own: nothing without a broker, every event without a domain
                await self.stream_events(tracker)
            rows = event_rows(tracker.sender_id, new_events)
            if rows:
                with self.session_scope() as session:
                    session.execute(self.SQLEvent.__table__.insert(), rows)
                    session.commit()
        return save

    return replace_attr(SQLTrackerStore, "save", make, "tracker events (counted twice, one ORM object each)")


def apply() -> None:
    pool_tracker_store_connections()
    pool_broker_connections()
    publish_turns_in_one_transaction()
    save_with_one_count_and_one_insert()
