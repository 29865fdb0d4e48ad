"""The consumer's hot-path conversions give exactly what the slower ones they replace give:
store/jsontext.dumps as json.dumps, the SQLite DATETIME text as SQLAlchemy's processor."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from nurture_engine.store import tables as t
from nurture_engine.store.jsontext import dumps
from nurture_engine.store.sqlite_scoring import SqliteScoring

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@given(values)
def test_the_same_text_as_json_dumps(value: object) -> None:
    assert dumps(value) == json.dumps(value)


def test_what_json_refuses_is_refused() -> None:
    with pytest.raises(TypeError, match="set is not JSON serializable"):
        dumps({"x": {1, 2}})


_dialect = sqlite.dialect()
_process = t.interactions.c.at.type.dialect_impl(_dialect).bind_processor(_dialect)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(timezone.utc)))
def test_sqlite_datetime_text_as_sqlalchemy_writes_it(at: datetime) -> None:
    fast = SqliteScoring(_dialect)._at
    assert fast(at) == _process(at)
    other = at.astimezone(timezone(timedelta(hours=5)))  # not UTC: the dialect's own processor
    assert fast(other) == _process(other)
