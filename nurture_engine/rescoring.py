"""Rescoring after a profile change or a demo request (the action server's side of the lead engine): the
score and stage from the lead as read plus what changed, written with the answers in one store call."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Sequence
from typing import TYPE_CHECKING

from .domain import FieldValue, Interaction, Lead
from .scheduler.jobs import Enrollment, SequencePlan
from .scoring import BehaviourLedger
from .sequencer import LeadChange
from .store.base import IngestBatch, LeadUpdate, NurtureStore, ProfileWrite

SequencingState = tuple[dict[str, set[str]], dict[str, list[Enrollment]]]
_TRIES = 3  # an answered turn computed from a lead another process changed meanwhile is recomputed

log = logging.getLogger(__name__)


class RescoringMixin:
    _store: NurtureStore
    _ledgers: dict[str, tuple[BehaviourLedger, int]]
    _rescore_ledgers: dict[str, tuple[BehaviourLedger, int]]
    _entered: dict[str, set[str]]
    _cache_size: int

    if TYPE_CHECKING:  # the engine's
        def _update(self, lead: Lead, ledger: BehaviourLedger, messages_added: int = 0) -> LeadUpdate: ...

        async def _ledgers_for(self, leads: Sequence[Lead]) -> dict[str, BehaviourLedger]: ...

        async def _sequencing(self, changes: Sequence[LeadChange],
                              state: Awaitable[SequencingState] | None = None) -> SequencePlan: ...

        def _remember_entered(self, plan: SequencePlan) -> None: ...

    async def rescore(self, lead_id: str) -> Lead:
        """Re-evaluates score and stage after a profile change or a demo request."""
        lead = await self._store.get_lead(lead_id)
        update, sequencing = await self._rescored(lead)
        await self._store.commit_ingest(IngestBatch(updates=[update], at=update.at, sequencing=sequencing))
        return self._rescore_done(lead, update, sequencing)  # what commit_ingest changed

    async def record_profile(self, lead: Lead, values: Sequence[FieldValue], interaction: Interaction) -> Lead:
        """A turn's answers and interaction, stored with their rescore in one store call (`lead`: read at the turn's
        start). A lead another process scored meanwhile is read again (the last try writes regardless)."""
        fields = {v.field for v in values}
        for attempt in range(1, _TRIES + 1):
            answered = dataclasses.replace(lead, profile={**lead.profile, **{v.field: v for v in values}},
                                           refused=lead.refused - fields)
            update, sequencing = await self._rescored(answered)
            if await self._store.record_profile(ProfileWrite(
                    lead_id=lead.id, values=list(values), interaction=interaction, update=update,
                    sequencing=sequencing, expect=(lead.stage, lead.message_count) if attempt < _TRIES else None)):
                return self._rescore_done(answered, update, sequencing)
            lead = await self._store.get_lead(lead.id)
        raise AssertionError("the last try writes regardless")

    async def _rescored(self, lead: Lead) -> tuple[LeadUpdate, SequencePlan]:
        """The lead's new score and stage and their sequencing. A rescore brings no message, so the sequencer
        needs only the sequences the lead entered: nothing is read when they are cached."""
        update = self._update(lead, await self._rescore_ledger(lead))
        identity = lead.identities[-1] if lead.identities else None
        state: asyncio.Future[SequencingState] | None = None
        if lead.id in self._entered:
            state = asyncio.get_running_loop().create_future()
            state.set_result(({}, {}))
        sequencing = await self._sequencing([LeadChange(lead=lead, stage=update.stage, score=update.score,
                                                        identity=identity)], state)
        return update, sequencing

    async def _rescore_ledger(self, lead: Lead) -> BehaviourLedger:
        """The lead's ledger, kept while its message count is unchanged (the action server scores no message, so
        the consumer's cache stays empty there; one that cache holds is not kept here: batches are applied to it)."""
        cached = self._rescore_ledgers.get(lead.id)
        if cached is not None and cached[1] == lead.message_count:
            return cached[0]
        ledger = (await self._ledgers_for([lead]))[lead.id]
        if self._ledgers.get(lead.id, (None, 0))[0] is not ledger:
            if len(self._rescore_ledgers) >= self._cache_size:
                self._rescore_ledgers.clear()
            self._rescore_ledgers[lead.id] = (ledger, lead.message_count)
        return ledger

    def _rescore_done(self, lead: Lead, update: LeadUpdate, sequencing: SequencePlan) -> Lead:
        self._remember_entered(sequencing)
        if update.stage_reason:
            log.info("lead %s -> %s (%s)", lead.id, update.stage.value, update.stage_reason)
        return dataclasses.replace(lead, score=update.score, stage=update.stage)
