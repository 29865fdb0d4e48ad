"""Months and seasons named as the time: "we'd want it before the summer", said to the timeline question on make
run (stop 33), was no timeline, and the question was skipped as if refused. NOW is late November."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nurture_engine.errors import InvalidValue
from nurture_engine.timeline import parse_timeline

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("raw", "months"), [
    ("we'd want it before the summer", 7),  # until June
    ("by the summer", 10),  # to the end of August
    ("by March", 5), ("before June", 7), ("in May", 7), ("by the end of January", 3), ("in sept", 11),
    ("by Christmas", 2), ("in December", 2), ("by November", 1), ("by november next year", 13),
    ("early spring", 4), ("next summer", 10), ("this winter", 4), ("after the holidays", 3),
])
def test_a_month_or_a_season_is_a_timeline(raw: str, months: int) -> None:
    assert parse_timeline(raw, NOW)["months"] == months


@pytest.mark.parametrize(("raw", "months"), [("it may be next quarter", 5), ("in 3 months", 3), ("no plans", None)])
def test_other_timelines_read_as_before(raw: str, months: int | None) -> None:
    assert parse_timeline(raw, NOW)["months"] == months


@pytest.mark.parametrize("raw", ["what a day", "may the force be with you", "summer is nice"])
def test_a_month_or_season_word_alone_is_no_timeline(raw: str) -> None:
    with pytest.raises(InvalidValue):
        parse_timeline(raw, NOW)
