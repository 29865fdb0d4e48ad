"""Behaviour tracking, scoring, stages and identity merges over the store (used by the façade)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from .clock import Clock
from .config import Settings
from .domain import Identity, Interaction, Lead, ProfileField, ScoreItem, StageChange
from .scoring import BehaviourLedger, fit_items, total
from .stages import next_stage
from .store.base import IngestBatch, LeadUpdate, NurtureStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class EventRecord:
    """One conversation event, ready to score. `key` makes ingestion idempotent."""

    key: str
    identity: Identity
    interaction: Interaction
    channel_known: bool = True  # bot events carry no channel: the sender's known identity is used


@dataclass(frozen=True, kw_only=True)
class LeadView:
    lead: Lead
    score: float
    items: list[ScoreItem]
    history: list[StageChange]


class LeadEngine:
    def __init__(self, *, store: NurtureStore, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings

    def _update(self, lead: Lead, behaviour: Sequence[ScoreItem]) -> LeadUpdate:
        now = self._clock.now()
        items = fit_items(lead.profile, self._settings.scoring) + list(behaviour)
        score = total(items, now, self._settings.scoring.half_life_days)
        stage, reason = next_stage(lead, score, items, self._settings.stages)
        return LeadUpdate(lead_id=lead.id, score=score, stage=stage,
                          stage_reason=reason if stage is not lead.stage else None, at=now)

    async def rescore(self, lead_id: str) -> Lead:
        """Re-evaluates score and stage after a profile change or a demo request."""
        lead = await self._store.get_lead(lead_id)
        update = self._update(lead, await self._store.score_items(lead_id))
        await self._store.commit_ingest(IngestBatch(updates=[update], at=update.at))
        if update.stage_reason:
            log.info("lead %s -> %s (%s)", lead_id, update.stage.value, update.stage_reason)
        return await self._store.get_lead(lead_id)

    async def _ledger(self, lead_id: str) -> BehaviourLedger:
        ledger = BehaviourLedger(self._settings.scoring)
        for interaction in await self._store.interactions(lead_id):
            ledger.apply(interaction)
        return ledger

    async def ingest(self, records: Sequence[EventRecord], offset: tuple[str, int] | None = None) -> int:
        """Scores a batch of events in one transaction; already-seen keys are skipped. Returns how
        many were new."""
        seen = await self._store.processed([r.key for r in records])
        fresh: dict[str, EventRecord] = {}
        for record in records:
            if record.key not in seen:
                fresh.setdefault(record.key, record)
        groups: dict[Identity, list[EventRecord]] = {}
        for record in fresh.values():
            identity = record.identity
            if not record.channel_known:
                identity = await self._store.identity_for_sender(identity.sender_id) or identity
                record = dataclasses.replace(record, identity=identity, interaction=dataclasses.replace(
                    record.interaction, channel=identity.channel))
            groups.setdefault(identity, []).append(record)
        batch = IngestBatch(event_keys=list(fresh), offset=offset, at=self._clock.now())
        for identity, group in groups.items():
            lead = await self._store.lead_for_identity(identity)
            if lead is None:
                lead = await self._store.create_lead(identity, self._clock.now())
            ledger = await self._ledger(lead.id)
            for record in group:
                batch.interactions.append((lead.id, record.interaction))
                batch.items.extend((lead.id, item) for item in ledger.apply(record.interaction))
            batch.updates.append(self._update(lead, ledger.items))
        await self._store.commit_ingest(batch)
        return len(fresh)

    async def view(self, lead_id: str) -> LeadView:
        lead = await self._store.get_lead(lead_id)
        items = fit_items(lead.profile, self._settings.scoring) + await self._store.score_items(lead_id)
        now = self._clock.now()
        return LeadView(lead=lead, score=total(items, now, self._settings.scoring.half_life_days), items=items,
                        history=await self._store.stage_history(lead_id))

    async def merge_on_email(self, lead: Lead) -> Lead:
        """The same email on another channel or session: one lead, the richest profile kept."""
        email = lead.profile.get(ProfileField.EMAIL)
        if email is None:
            return lead
        other = await self._store.find_by_email(str(email.value), exclude=lead.id)
        if other is None:
            return lead
        into, source = (lead, other) if len(lead.profile) >= len(other.profile) else (other, lead)
        await self._store.merge_leads(into.id, source.id, "same email", self._clock.now())
        log.info("merged lead %s into %s (same email)", source.id, into.id)
        return await self.rescore(into.id)
