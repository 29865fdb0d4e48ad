"""Leads the behaviour consumer read before, reused while the rows read back for them are unchanged.

The consumer reads the leads of every batch (another process may have changed a profile, a consent or an
owner since the last one). Most are the leads of the batch before, and only the columns the consumer
writes itself (score, stage, message count) changed. Building a `Lead` (profile values decoded, timestamps
parsed) costs more than the read, so the lead built from a row is kept with the rest of that row: equal
rest, the same profile and identity objects with the score, stage and count just read; any other column
changed, a new `Lead`. Nothing is trusted that was not read in this batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable

from ..domain import Lead, Stage


class LeadRowCache:
    def __init__(self, limit: int = 10_000) -> None:
        self._leads: dict[Hashable, tuple[object, Lead]] = {}
        self._limit = limit
        self.hits = 0

    def lead(self, key: Hashable, rest: object, build: Callable[[], Lead], *, stage: Stage, score: float,
             message_count: int) -> Lead:
        """The lead for `key` (its id and identity) read as `rest` (every column but these three) and the
        three: the one built before from an equal `rest` with these three, else `build()`."""
        cached = self._leads.get(key)
        if cached is not None and cached[0] == rest:
            self.hits += 1
            lead = cached[1]
            if lead.stage is stage and lead.score == score and lead.message_count == message_count:
                return lead
            lead = dataclasses.replace(lead, stage=stage, score=score, message_count=message_count)
        else:
            lead = build()
        if len(self._leads) >= self._limit:
            self._leads.clear()
        self._leads[key] = (rest, lead)
        return lead
