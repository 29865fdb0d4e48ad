"""The dashboard's report queries over the in-memory lead store (the fake for unit tests)."""

from __future__ import annotations

from datetime import datetime

from ..domain import Channel, Stage
from ..reports import (
    ConsentEntry,
    EnrollmentFact,
    FunnelLead,
    LeadQuery,
    LeadRow,
    SentStep,
    SequenceFacts,
)
from ..scheduler.jobs import FollowUpStatus
from .memory import MemoryLeadStore

_SUMMARY = ("name", "email", "company")


class MemoryReportStore:
    def __init__(self, store: MemoryLeadStore) -> None:
        self._store = store

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def funnel_leads(self, since: datetime, channel: Channel | None) -> list[FunnelLead]:
        out = []
        for lead in self._store.leads.values():
            first = lead.identities[0].channel if lead.identities else None
            if lead.created_at < since or (channel is not None and first is not channel):
                continue
            reached = frozenset(c.stage for c in self._store.history.get(lead.id, []))
            out.append(FunnelLead(lead_id=lead.id, created_at=lead.created_at, stage=lead.stage, channel=first,
                                  reached=reached))
        return out

    async def sequence_facts(self, sequence: str | None) -> SequenceFacts:
        enrollments = [EnrollmentFact(id=e.id, lead_id=e.lead_id, sequence=e.sequence, variant=e.variant,
                                      entered_at=e.entered_at, exit_reason=e.exit_reason,
                                      exited_at=getattr(e, "exited_at", None))
                       for e in self._store.enrollments.values() if sequence is None or e.sequence == sequence]
        sent = [SentStep(enrollment_id=f.enrollment_id, step=f.step, variant=f.variant, sent_at=f.sent_at)
                for f in self._store.followups.values()
                if f.status is FollowUpStatus.SENT and f.sent_at is not None
                and (sequence is None or f.sequence == sequence)]
        converted: dict[str, datetime] = {}
        for lead_id, changes in self._store.history.items():
            times = [c.at for c in changes if c.stage in (Stage.SQL, Stage.CUSTOMER)]
            if times:
                converted[lead_id] = min(times)
        return SequenceFacts(enrollments=enrollments, sent=sent, converted_at=converted)

    async def consent_ledger(self, lead_id: str) -> list[ConsentEntry]:
        return [ConsentEntry(status=status.value, channel=channel, text=text, at=at)
                for owner, status, at, channel, text in self._store.consent_ledger if owner == lead_id]

    async def lead_rows(self, query: LeadQuery) -> tuple[list[LeadRow], bool]:
        page = await self._store.list_leads(stage=query.stage.value if query.stage else None, q=query.q,
                                            limit=len(self._store.leads) + 1)
        leads = [lead for lead in page.leads
                 if query.channel is None or any(i.channel is query.channel for i in lead.identities)]
        keys = {"id": lambda x: (0.0, x.id), "score": lambda x: (-x.score, x.id),
                "score_asc": lambda x: (x.score, x.id), "newest": lambda x: (-x.created_at.timestamp(), x.id)}
        leads.sort(key=keys[query.sort])
        chosen = leads[query.offset:query.offset + query.limit]
        rows = [LeadRow(id=lead.id, stage=lead.stage, score=lead.score, created_at=lead.created_at,
                        profile={f.value: v.value for f, v in lead.profile.items() if f.value in _SUMMARY},
                        channels=tuple(sorted({i.channel.value for i in lead.identities}))) for lead in chosen]
        return rows, len(leads) > query.offset + query.limit
