"""Behaviour tracking, scoring, stages and identity merges over the store (used by the façade)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .clock import Clock
from .config import Settings
from .domain import (
    FieldValue,
    Identity,
    Interaction,
    Lead,
    ProfileField,
    ScoreItem,
    Stage,
    StageChange,
    merge_order,
)
from .rescoring import RescoringMixin, SequencingState
from .scheduler.jobs import Exit, FollowUp, SequencePlan
from .scoring import BehaviourLedger, behaviour_items, fit_items, total
from .sequencer import LeadChange, Sequencer
from .stages import next_stage
from .store.base import IngestBatch, LeadUpdate, NurtureStore, Offset

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True, slots=True)
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
    followups: list[FollowUp] = dataclasses.field(default_factory=list)


class LeadEngine(RescoringMixin):
    """Scores leads incrementally. The consumer is the only writer of user messages, so each lead's
    behaviour ledger is cached between batches and rebuilt only when its message count in the store
    differs from the cached one (after a merge, or in another process)."""

    def __init__(self, *, store: NurtureStore, clock: Clock, settings: Settings, cache_size: int = 10_000) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._ledgers: dict[str, tuple[BehaviourLedger, int]] = {}
        self._cache_size = cache_size
        self._sequencer = Sequencer(settings.plan)
        self._entered: dict[str, set[str]] = {}
        self._fits: dict[str, tuple[Mapping[ProfileField, FieldValue], float, frozenset[str]]] = {}
        self._rescore_ledgers: dict[str, tuple[BehaviourLedger, int]] = {}

    def _read_sequencing(self, lead_ids: Sequence[str]) -> Awaitable[SequencingState]:
        """The sequencing state of these leads (one read for the whole batch): sequences a lead entered never
        go away, so their names are cached (a stale cache only means an enrollment the store refuses as a
        duplicate); sent-and-active enrollments are read every batch."""
        return self._store.sequencing_state(lead_ids, [i for i in lead_ids if i not in self._entered])

    async def _sequencing(self, changes: Sequence[LeadChange],
                          state: Awaitable[SequencingState] | None = None) -> SequencePlan:
        """Sequence entries and exits caused by these changes; `state`: their leads' state, if already asked for."""
        plan = SequencePlan()
        if not self._settings.plan.sequences or not changes:
            return plan
        loaded, awaiting = await (state or self._read_sequencing([c.lead.id for c in changes]))
        self._entered.update(loaded)
        now = self._clock.now()
        for change in changes:
            part = self._sequencer.plan(change, self._entered[change.lead.id], awaiting.get(change.lead.id, []), now,
                                        owner=change.lead.owner)
            plan.enrollments += part.enrollments
            plan.followups += part.followups
            plan.exits += part.exits
        return plan

    def _remember_entered(self, plan: SequencePlan) -> None:
        """After a commit: the new enrollments join the cached names."""
        for e in plan.enrollments:
            self._entered.setdefault(e.lead_id, set()).add(e.sequence)
        if len(self._entered) > self._cache_size:
            self._entered.clear()

    async def disqualify(self, lead_id: str, reason: str, feedback: Interaction) -> Lead:
        """Sales says the lead is not a fit: disqualified, sequences ended, the feedback kept for scoring."""
        lead = await self._store.get_lead(lead_id)
        now = self._clock.now()
        await self._store.add_interaction(lead_id, feedback)
        update = LeadUpdate(lead_id=lead_id, score=lead.score, stage=Stage.DISQUALIFIED,
                            stage_reason=None if lead.stage is Stage.DISQUALIFIED else reason, at=now)
        exits = SequencePlan(exits=[Exit(lead_id=lead_id, reason=reason, at=now)])
        await self._store.commit_ingest(IngestBatch(updates=[update], at=now, sequencing=exits))
        return await self._store.get_lead(lead_id)

    async def exit_sequences(self, lead_id: str, reason: str) -> None:
        """Ends every active sequence of the lead (opt-out, sales claim): scheduled follow-ups are cancelled."""
        await self._store.apply_sequencing(SequencePlan(exits=[Exit(lead_id=lead_id, reason=reason,
                                                                    at=self._clock.now())]))

    def _fit(self, lead: Lead, now: datetime) -> tuple[float, frozenset[str]]:
        """The lead's fit points and signals, kept while it is the same profile object (the consumer reuses
        a lead read again unchanged; fit points do not decay)."""
        cached = self._fits.get(lead.id)
        if cached is None or cached[0] is not lead.profile:
            fit = fit_items(lead.profile, self._settings.scoring)
            cached = (lead.profile, total(fit, now, self._settings.scoring.half_life_days),
                      frozenset(i.signal for i in fit))
            if len(self._fits) >= self._cache_size:
                self._fits.clear()
            self._fits[lead.id] = cached
        return cached[1], cached[2]

    def _update(self, lead: Lead, ledger: BehaviourLedger, messages_added: int = 0,
                now: datetime | None = None) -> LeadUpdate:
        """Score and stage now (`now`: the batch's time, read once for all its leads)."""
        now = now or self._clock.now()
        fit_points, fit_signals = self._fit(lead, now)
        score = round(fit_points + ledger.behaviour_total(now), 2)
        stage, reason = next_stage(lead, score, fit_signals | ledger.signals, self._settings.stages)
        return LeadUpdate(lead_id=lead.id, score=score, stage=stage,
                          stage_reason=reason if stage is not lead.stage else None, at=now,
                          messages_added=messages_added)

    async def _behaviour(self, lead_id: str) -> list[ScoreItem]:
        """Full recompute from the stored history (the read path)."""
        return behaviour_items(await self._store.interactions(lead_id), self._settings.scoring)

    async def _ledger(self, lead_id: str) -> BehaviourLedger:
        ledger = BehaviourLedger(self._settings.scoring)
        for interaction in await self._store.interactions(lead_id):
            ledger.apply(interaction)
        return ledger

    async def _ledgers_for(self, leads: Sequence[Lead]) -> dict[str, BehaviourLedger]:
        """Each lead's ledger: the cached one if its message count still matches, an empty one for a lead
        without messages (only the consumer writes messages, and it counts them), else rebuilt from the
        stored history."""
        ledgers = {}
        for lead in leads:
            cached = self._ledgers.get(lead.id)
            if cached is None or cached[1] != lead.message_count:
                ledger = (BehaviourLedger(self._settings.scoring) if lead.message_count == 0
                          else await self._ledger(lead.id))
                cached = (ledger, lead.message_count)
            ledgers[lead.id] = cached[0]
        return ledgers

    async def _resolve_senders(self, records: Sequence[EventRecord]) -> dict[str, Identity]:
        """The identity of each sender whose events carry no channel: from the batch's own user
        events first, else the store (one query for the whole batch)."""
        unknown = {r.identity.sender_id for r in records if not r.channel_known}
        resolved = {r.identity.sender_id: r.identity for r in records
                    if r.channel_known and r.identity.sender_id in unknown}
        missing = [s for s in unknown if s not in resolved]
        return {**await self._store.identities_for_senders(missing), **resolved} if missing else resolved

    async def ingest(self, records: Sequence[EventRecord], offset: Offset | None = None, *,
                     dedupe: bool = True) -> int:
        """Scores a batch of events in one transaction. With `dedupe`, events whose key was seen
        before are skipped (for at-least-once brokers); the SQL broker's offset makes that
        unnecessary. Returns how many events were new."""
        seen = await self._store.processed([r.key for r in records]) if dedupe else set()
        fresh: dict[str, EventRecord] = {}
        for record in records:
            if record.key not in seen:
                fresh.setdefault(record.key, record)
        groups: dict[Identity, list[EventRecord]] = {}
        resolved = await self._resolve_senders(list(fresh.values()))
        for record in fresh.values():
            if not record.channel_known:
                identity = resolved.get(record.identity.sender_id, record.identity)
                record = dataclasses.replace(record, identity=identity, interaction=dataclasses.replace(
                    record.interaction, channel=identity.channel))
            groups.setdefault(record.identity, []).append(record)
        leads = await self._store.leads_for_scoring(list(groups))
        leads.update(await self._store.create_leads([i for i in groups if i not in leads], self._clock.now()))
        unique = {lead.id: lead for lead in leads.values()}
        # the sequencing read goes out now, to run while the batch is scored
        state = (asyncio.ensure_future(self._read_sequencing(list(unique)))
                 if self._settings.plan.sequences and unique else None)
        try:
            return await self._score_and_commit(groups, leads, unique, state, fresh, offset, dedupe)
        finally:
            if state is not None and not state.done():
                state.cancel()
                with contextlib.suppress(BaseException):
                    await state

    async def _score_and_commit(self, groups: dict[Identity, list[EventRecord]], leads: dict[Identity, Lead],
                                unique: dict[str, Lead], state: Awaitable[SequencingState] | None,
                                fresh: dict[str, EventRecord], offset: Offset | None, dedupe: bool) -> int:
        ledgers = await self._ledgers_for(list(unique.values()))
        batch = IngestBatch(event_keys=list(fresh) if dedupe else [], offset=offset, at=self._clock.now())
        added: dict[str, int] = {}
        try:
            rows = batch.interactions
            for identity, group in groups.items():
                lead_id = leads[identity].id
                ledger, messages = ledgers[lead_id], 0
                for record in group:
                    interaction = record.interaction
                    rows.append((lead_id, interaction))
                    if interaction.kind == "message":  # only user messages earn points
                        ledger.apply(interaction)
                        messages += 1
                added[lead_id] = added.get(lead_id, 0) + messages
            batch.updates.extend(self._update(lead, ledgers[lead.id], added.get(lead.id, 0), batch.at)
                                 for lead in unique.values())
            batch = dataclasses.replace(batch, sequencing=await self._sequencing(
                self._changes(groups, leads, batch.updates), state))
            await self._store.commit_ingest(batch)
        except BaseException:
            for lead_id in ledgers:  # the ledgers saw events the store did not keep
                self._ledgers.pop(lead_id, None)
            raise
        self._remember_entered(batch.sequencing)
        for lead_id, ledger in ledgers.items():
            self._ledgers[lead_id] = (ledger, unique[lead_id].message_count + added.get(lead_id, 0))
        if len(self._ledgers) > self._cache_size:
            self._ledgers.clear()
        return len(fresh)

    @staticmethod
    def _changes(groups: dict[Identity, list[EventRecord]], leads: dict[Identity, Lead],
                 updates: Sequence[LeadUpdate]) -> list[LeadChange]:
        by_lead = {u.lead_id: u for u in updates}
        changes: dict[str, LeadChange] = {}
        for identity, group in groups.items():
            lead = leads[identity]
            messages = [r.interaction for r in group if r.interaction.kind == "message"]
            previous = changes.get(lead.id)
            if previous is not None:
                messages = [*previous.interactions, *messages]
            update = by_lead[lead.id]
            seen_at = identity if messages else (previous.identity if previous else None)
            changes[lead.id] = LeadChange(lead=lead, stage=update.stage, score=update.score,
                                          identity=seen_at or (lead.identities[-1] if lead.identities else None),
                                          interactions=messages,
                                          first_contact=lead.message_count == 0 and bool(messages))
        return list(changes.values())

    async def view(self, lead_id: str) -> LeadView:
        lead = await self._store.get_lead(lead_id)
        items = fit_items(lead.profile, self._settings.scoring) + await self._behaviour(lead_id)
        now = self._clock.now()
        return LeadView(lead=lead, score=total(items, now, self._settings.scoring.half_life_days), items=items,
                        history=await self._store.stage_history(lead_id),
                        followups=await self._store.followups_of(lead_id))

    async def merge_on_email(self, lead: Lead) -> Lead:
        """The same email on another channel or session: one lead, the richest profile kept."""
        email = lead.profile.get(ProfileField.EMAIL)
        if email is None:
            return lead
        other = await self._store.find_by_email(str(email.value), exclude=lead.id)
        if other is None:
            return lead
        into, source = merge_order(lead, other)
        if await self._store.merge_leads(into.id, source.id, "same email", self._clock.now()):
            log.info("merged lead %s into %s (same email)", source.id, into.id)
        return await self.rescore(into.id)
