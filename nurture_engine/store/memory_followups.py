"""The follow-up half of the in-memory store (the fake for unit tests)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from ..domain import Interaction, Lead
from ..scheduler.jobs import (
    Enrollment,
    Exit,
    FollowUp,
    FollowUpStatus,
    LeadState,
    Outcome,
    OutcomeKind,
    SequencePlan,
)


class MemoryFollowUpMixin:
    leads: dict[str, Lead]
    interaction_log: dict[str, list[Interaction]]

    def _followup_state(self) -> None:
        self.enrollments: dict[str, Enrollment] = {}
        self.followups: dict[str, FollowUp] = {}
        self.claims: dict[str, tuple[str, datetime]] = {}
        self.owners: dict[str, str | None] = {}

    async def enrollments_for(self, lead_ids: Sequence[str]) -> dict[str, list[Enrollment]]:
        wanted = set(lead_ids)
        found: dict[str, list[Enrollment]] = {}
        for e in self.enrollments.values():
            if e.lead_id in wanted:
                found.setdefault(e.lead_id, []).append(e)
        return found

    async def sequencing_state(self, lead_ids: Sequence[str], names_for: Sequence[str]
                               ) -> tuple[dict[str, set[str]], dict[str, list[Enrollment]]]:
        names: dict[str, set[str]] = {lead_id: set() for lead_id in names_for}
        sent: dict[str, list[Enrollment]] = {}
        wanted = set(lead_ids)
        for e in self.enrollments.values():
            if e.lead_id in names:
                names[e.lead_id].add(e.sequence)
            if e.lead_id in wanted and e.active and e.last_sent_at is not None:
                sent.setdefault(e.lead_id, []).append(e)
        return names, sent

    def _exit(self, ex: Exit) -> None:
        for e in list(self.enrollments.values()):
            if e.lead_id == ex.lead_id and e.active and (ex.sequences is None or e.sequence in ex.sequences):
                self.enrollments[e.id] = dataclasses.replace(e, active=False, exit_reason=ex.reason)
                for f in list(self.followups.values()):
                    if f.enrollment_id == e.id and f.status is FollowUpStatus.SCHEDULED:
                        self.followups[f.id] = dataclasses.replace(f, status=FollowUpStatus.CANCELLED,
                                                                   last_error=ex.reason)

    async def apply_sequencing(self, plan: SequencePlan) -> None:
        taken = {(e.lead_id, e.sequence) for e in self.enrollments.values()}
        skipped = set()
        for e in plan.enrollments:
            if (e.lead_id, e.sequence) in taken:
                skipped.add(e.id)
                continue
            self.enrollments[e.id] = e
        for f in plan.followups:
            if f.enrollment_id not in skipped:
                self.followups[f.id] = f
        for ex in plan.exits:
            self._exit(ex)

    async def claim_due(self, now: datetime, limit: int, token: str, lease_until: datetime) -> list[FollowUp]:
        due = [f for f in self.followups.values()
               if (f.status is FollowUpStatus.SCHEDULED and f.due_at <= now)
               or (f.status is FollowUpStatus.SENDING and self.claims[f.id][1] < now)]
        due.sort(key=lambda f: f.due_at)
        claimed = []
        for f in due[:limit]:
            self.followups[f.id] = f = dataclasses.replace(f, status=FollowUpStatus.SENDING)
            self.claims[f.id] = (token, lease_until)
            claimed.append(f)
        return claimed

    async def lead_states(self, lead_ids: Sequence[str], now: datetime,
                          intents: Sequence[str]) -> dict[str, LeadState]:
        states = {}
        for lead_id in set(lead_ids):
            lead = self.leads.get(lead_id)
            if lead is None:
                continue
            seen: dict[str, datetime] = {}
            for i in self.interaction_log.get(lead_id, []):
                if i.intent is not None and i.intent in intents and (i.intent not in seen or i.at > seen[i.intent]):
                    seen[i.intent] = i.at
            sends = [f.sent_at for f in self.followups.values() if f.lead_id == lead_id
                     and f.status is FollowUpStatus.SENT and f.sent_at and f.sent_at > now - timedelta(days=7)]
            states[lead_id] = LeadState(lead_id=lead_id, stage=lead.stage.value, consent=lead.consent.status.value,
                                        owner=self.owners.get(lead_id), timezone=None,
                                        profile={f.value: v.value for f, v in lead.profile.items()},
                                        intents_since=seen, sends=sends)
        return states

    async def active_enrollments(self, enrollment_ids: Sequence[str]) -> set[str]:
        return {i for i in enrollment_ids if i in self.enrollments and self.enrollments[i].active}

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        for o in outcomes:
            f = self.followups[o.followup.id]
            if o.kind is OutcomeKind.SENT:
                f = dataclasses.replace(f, status=FollowUpStatus.SENT, sent_at=o.at, text=o.text)
                e = self.enrollments[f.enrollment_id]
                self.enrollments[e.id] = dataclasses.replace(e, last_sent_at=o.recorded_at or o.at)
            elif o.kind in (OutcomeKind.RETRY, OutcomeKind.DEFER):
                assert o.due_at is not None
                f = dataclasses.replace(f, status=FollowUpStatus.SCHEDULED, due_at=o.due_at, last_error=o.reason,
                                        attempts=f.attempts + (o.kind is OutcomeKind.RETRY))
            elif o.kind is OutcomeKind.DEAD:
                f = dataclasses.replace(f, status=FollowUpStatus.DEAD, attempts=f.attempts + 1, last_error=o.reason)
            else:
                f = dataclasses.replace(f, status=FollowUpStatus.CANCELLED, last_error=o.reason)
            self.followups[f.id] = f
            self.claims.pop(f.id, None)

    async def followups_of(self, lead_id: str) -> list[FollowUp]:
        return sorted((f for f in self.followups.values() if f.lead_id == lead_id), key=lambda f: f.due_at)

    async def set_owner(self, lead_id: str, owner: str | None, at: datetime) -> None:
        self.owners[lead_id] = owner
        self.leads[lead_id] = dataclasses.replace(self.leads[lead_id], owner=owner)

    def _merge_followups(self, into_id: str, from_id: str) -> None:
        own = {e.sequence for e in self.enrollments.values() if e.lead_id == into_id}
        for e in list(self.enrollments.values()):
            if e.lead_id != from_id:
                continue
            if e.sequence in own:
                del self.enrollments[e.id]
                self.followups = {k: f for k, f in self.followups.items() if f.enrollment_id != e.id}
            else:
                self.enrollments[e.id] = dataclasses.replace(e, lead_id=into_id)
        for k, f in list(self.followups.items()):
            if f.lead_id == from_id:
                self.followups[k] = dataclasses.replace(f, lead_id=into_id)
