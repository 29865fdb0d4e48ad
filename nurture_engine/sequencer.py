"""Who enters and leaves which sequence, decided from a lead's new events and stage (pure; no I/O)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from .domain import ConsentStatus, Identity, Interaction, Lead, Stage
from .scheduler.jobs import Enrollment, Exit, FollowUp, SequencePlan
from .sequences import EXIT_STAGES, Conditions, NurturePlan
from .sequences import Sequence as NurtureSequence


@dataclass(frozen=True, kw_only=True)
class LeadChange:
    """What happened to one lead in a batch of events (or a rescore)."""

    lead: Lead
    """The lead as it was before the change."""
    stage: Stage
    score: float
    identity: Identity | None
    """Where the lead was last seen: follow-ups go there."""
    interactions: Sequence[Interaction] = ()
    first_contact: bool = False


def sticky_variant(lead_id: str, sequence: NurtureSequence) -> str:
    """The same lead always gets the same A/B variant of a sequence."""
    variants = sequence.variants()
    digest = hashlib.sha256(f"{lead_id}:{sequence.name}".encode()).digest()
    return variants[int.from_bytes(digest[:4], "big") % len(variants)]


def entry_ok(cond: Conditions, change: LeadChange) -> bool:
    lead, identity = change.lead, change.identity
    if identity is None or lead.consent.status is ConsentStatus.OPTED_OUT:
        return False
    fields = {f.value for f in lead.profile}
    return ((not cond.stages or change.stage in cond.stages)
            and (not cond.channels or identity.channel in cond.channels)
            and (cond.min_score is None or change.score >= cond.min_score)
            and {f.value for f in cond.has} <= fields and not ({f.value for f in cond.missing} & fields))


class Sequencer:
    def __init__(self, plan: NurturePlan) -> None:
        self._plan = plan
        self._by_name = {s.name: s for s in plan.sequences}

    @staticmethod
    def _triggered(seq: NurtureSequence, change: LeadChange, intents: Collection[str]) -> bool:
        if seq.trigger == "first_contact":
            return change.first_contact
        if seq.trigger == "profile_started":
            return "inform" in intents
        if seq.trigger == "intent":
            return seq.trigger_value in intents
        return change.stage.value == seq.trigger_value and change.lead.stage is not change.stage

    def plan(self, change: LeadChange, known: Collection[str], awaiting: Sequence[Enrollment], now: datetime,
             owner: str | None = None) -> SequencePlan:
        """`known`: the sequences the lead ever entered; `awaiting`: its active enrollments that sent
        something (a message after that is a reply)."""
        out = SequencePlan()
        lead_id = change.lead.id
        if change.stage in EXIT_STAGES and change.lead.stage is not change.stage:
            out.exits.append(Exit(lead_id=lead_id, reason=f"stage {change.stage.value}", at=now))
            return out
        messages = [i for i in change.interactions if i.kind == "message"]
        if awaiting and messages:
            by_name = self._by_name
            replied = {e.sequence for e in awaiting if e.active and e.last_sent_at is not None
                       and by_name.get(e.sequence) is not None and by_name[e.sequence].exit_on_reply
                       and any(i.at > e.last_sent_at for i in messages)}
            if replied:
                out.exits.append(Exit(lead_id=lead_id, reason="reply", at=now, sequences=frozenset(replied)))
        if change.stage in EXIT_STAGES or owner is not None:
            return out
        intents = {i.intent for i in messages if i.intent}
        for seq in self._plan.sequences:
            if (seq.name in known or not self._triggered(seq, change, intents)
                    or not entry_ok(seq.entry, change)):
                continue
            assert change.identity is not None  # entry_ok checked it
            enrollment = Enrollment(id=secrets.token_hex(16), lead_id=lead_id, sequence=seq.name,
                                    variant=sticky_variant(lead_id, seq), entered_at=now)
            out.enrollments.append(enrollment)
            out.followups.extend(
                FollowUp(id=secrets.token_hex(16), lead_id=lead_id, enrollment_id=enrollment.id, sequence=seq.name,
                         step=step.id, variant=enrollment.variant, channel=change.identity.channel,
                         sender_id=change.identity.sender_id, due_at=now + step.after)
                for step in seq.steps)
        return out
