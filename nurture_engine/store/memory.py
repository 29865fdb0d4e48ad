"""In-memory lead store: the fake shipped in the package for unit tests."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime

from ..domain import (
    STAFF_INTENTS,
    Channel,
    Consent,
    ConsentStatus,
    FieldValue,
    Identity,
    Interaction,
    Lead,
    ProfileField,
    Stage,
    StageChange,
)
from ..errors import LeadNotFound, OffsetMoved
from ..scheduler.jobs import AlertCandidate
from .base import IngestBatch, LeadPage, ProfileWrite, WatchRow
from .memory_followups import MemoryFollowUpMixin


class MemoryLeadStore(MemoryFollowUpMixin):
    def __init__(self) -> None:
        self.leads: dict[str, Lead] = {}
        self.by_identity: dict[Identity, str] = {}
        self.interaction_log: dict[str, list[Interaction]] = {}
        self.consent_ledger: list[tuple[str, ConsentStatus, datetime, str, str]] = []
        self.history: dict[str, list[StageChange]] = {}
        self.offsets: dict[str, int] = {}
        self.event_keys: set[str] = set()
        self.merges: list[tuple[str, str, str, datetime]] = []
        self._followup_state()
        self.watch_log: list[tuple[str, str, str | None, Channel | None]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def lead_for_identity(self, identity: Identity) -> Lead | None:
        lead_id = self.by_identity.get(identity)
        return self.leads[lead_id] if lead_id else None

    async def identities_for_senders(self, sender_ids: Sequence[str]) -> dict[str, Identity]:
        wanted, found = set(sender_ids), {}
        for identity in self.by_identity:  # insertion order: later identities win
            if identity.sender_id in wanted:
                found[identity.sender_id] = identity
        return found

    async def create_lead(self, identity: Identity, at: datetime) -> Lead:
        lead = Lead(id=uuid.uuid4().hex, stage=Stage.NEW, score=0.0,
                    consent=Consent(status=ConsentStatus.UNKNOWN), created_at=at, identities=(identity,))
        self.leads[lead.id] = lead
        self.by_identity[identity] = lead.id
        return lead

    async def create_leads(self, identities: Sequence[Identity], at: datetime) -> dict[Identity, Lead]:
        return {identity: await self.create_lead(identity, at) for identity in identities}

    async def get_lead(self, lead_id: str) -> Lead:
        try:
            return self.leads[lead_id]
        except KeyError:
            raise LeadNotFound(f"no lead {lead_id!r}") from None

    async def find_by_email(self, email: str, *, exclude: str | None = None) -> Lead | None:
        for lead in self.leads.values():
            if lead.id == exclude:
                continue
            value = lead.profile.get(ProfileField.EMAIL)
            if value is not None and value.value == email:
                return lead
        return None

    def _replace(self, lead_id: str, **changes: object) -> None:
        lead = self.leads.get(lead_id)
        if lead is None:
            raise LeadNotFound(f"no lead {lead_id!r}")
        self.leads[lead_id] = dataclasses.replace(lead, **changes)  # type: ignore[arg-type]

    async def set_field(self, lead_id: str, value: FieldValue) -> None:
        lead = await self.get_lead(lead_id)
        self._replace(lead_id, profile={**lead.profile, value.field: value},
                      refused=lead.refused - {value.field})

    async def add_refusal(self, lead_id: str, field: ProfileField, conversation_id: str, at: datetime) -> None:
        lead = await self.get_lead(lead_id)
        self._replace(lead_id, refused=lead.refused | {field})

    async def add_interaction(self, lead_id: str, interaction: Interaction) -> None:
        await self.get_lead(lead_id)
        self.interaction_log.setdefault(lead_id, []).append(interaction)
        if interaction.kind == "message" and interaction.intent in STAFF_INTENTS:
            self.watch_log.append(("interaction", lead_id, interaction.intent, interaction.channel))

    async def interactions(self, lead_id: str) -> list[Interaction]:
        return list(self.interaction_log.get(lead_id, []))

    async def set_consent(self, lead_id: str, status: ConsentStatus, at: datetime, channel: str, text: str) -> None:
        self._replace(lead_id, consent=Consent(status=status, at=at, source=channel))
        self.consent_ledger.append((lead_id, status, at, channel, text))

    async def mark_demo_requested(self, lead_id: str, at: datetime) -> None:
        self._replace(lead_id, demo_requested_at=at)

    async def list_leads(self, *, stage: str | None = None, q: str | None = None, limit: int = 50,
                         cursor: str | None = None) -> LeadPage:
        matching = []
        for lead in sorted(self.leads.values(), key=lambda x: x.id):
            if stage and lead.stage.value != stage:
                continue
            if cursor and lead.id <= cursor:
                continue
            if q and q.lower() not in " ".join(v.raw.lower() for v in lead.profile.values()) and lead.id != q:
                continue
            matching.append(lead)
        page = matching[:limit]
        return LeadPage(leads=page, next_cursor=page[-1].id if len(matching) > limit else None)

    async def processed(self, keys: Sequence[str]) -> set[str]:
        return {k for k in keys if k in self.event_keys}

    async def get_offset(self, name: str) -> int:
        return self.offsets.get(name, 0)

    async def commit_ingest(self, batch: IngestBatch) -> None:
        offset = batch.offset
        if offset is not None and offset.after is not None and self.offsets.get(offset.name, 0) != offset.after:
            raise OffsetMoved(offset.name, offset.after)
        self.event_keys.update(batch.event_keys)
        for lead_id, interaction in batch.interactions:
            await self.add_interaction(lead_id, interaction)
        for u in batch.updates:
            count = self.leads[u.lead_id].message_count + u.messages_added
            self._replace(u.lead_id, score=u.score, stage=u.stage, message_count=count)
            if u.stage_reason is not None:
                change = StageChange(stage=u.stage, reason=u.stage_reason, at=u.at)
                self.history.setdefault(u.lead_id, []).append(change)
                if u.stage is Stage.SQL:
                    self.watch_log.append(("stage", u.lead_id, None, None))
        if offset is not None:
            self.offsets[offset.name] = offset.position
        await self.apply_sequencing(batch.sequencing)

    async def record_profile(self, write: ProfileWrite) -> bool:
        """What the three calls the SQL store's one transaction stands for would do."""
        lead = self.leads.get(write.lead_id)
        if write.expect is not None and (lead is None or (lead.stage, lead.message_count) != write.expect):
            return False
        for value in write.values:
            await self.set_field(write.lead_id, value)
        await self.add_interaction(write.lead_id, write.interaction)
        await self.commit_ingest(IngestBatch(updates=[write.update], at=write.update.at, sequencing=write.sequencing))
        return True

    def _watch_rows(self, source: str) -> list[WatchRow]:
        """The source's candidates in the order logged, at positions 1, 2, ... (no gaps: one writer)."""
        mine = [(lead_id, intent, channel) for kind, lead_id, intent, channel in self.watch_log if kind == source]
        return [(i, AlertCandidate(source=source, position=i, lead_id=lead_id, intent=intent, channel=channel))
                for i, (lead_id, intent, channel) in enumerate(mine, start=1)]

    async def alert_rows(self, source: str, after: int, limit: int = 1000) -> list[WatchRow]:
        return [r for r in self._watch_rows(source) if r[0] > after][:limit]

    async def alert_rows_at(self, source: str, positions: Sequence[int]) -> list[WatchRow]:
        wanted = set(positions)
        return [r for r in self._watch_rows(source) if r[0] in wanted]

    async def leads_for_scoring(self, identities: Sequence[Identity]) -> dict[Identity, Lead]:
        return {i: self.leads[self.by_identity[i]] for i in identities if i in self.by_identity}

    async def stage_history(self, lead_id: str) -> list[StageChange]:
        return list(self.history.get(lead_id, []))

    async def merge_leads(self, into_id: str, from_id: str, reason: str, at: datetime) -> bool:
        into = await self.get_lead(into_id)
        if from_id not in self.leads:
            return False
        other = self.leads[from_id]
        profile = dict(into.profile)  # of two values of one field, the later given (on a tie, the kept lead's)
        profile.update({f: v for f, v in other.profile.items() if f not in profile or v.at > profile[f].at})
        self._replace(into_id, profile=profile, identities=into.identities + other.identities,
                      message_count=into.message_count + other.message_count)
        for identity in other.identities:
            self.by_identity[identity] = into_id
        self.interaction_log.setdefault(into_id, []).extend(self.interaction_log.pop(from_id, []))
        self.history.setdefault(into_id, []).extend(self.history.pop(from_id, []))
        self._merge_followups(into_id, from_id)
        del self.leads[from_id]
        self.merges.append((into_id, from_id, reason, at))
        return True
