"""The follow-up half of the store contract, on the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from nurture_engine.domain import Channel, Identity
from nurture_engine.scheduler.jobs import (
    Enrollment,
    Exit,
    FollowUp,
    FollowUpStatus,
    Outcome,
    OutcomeKind,
    SequencePlan,
)
from nurture_engine.store.base import NurtureStore
from nurture_engine.testing import T0

from ..engine.test_store import store  # noqa: F401 - the parametrised store fixture

TG = Identity(channel=Channel.TELEGRAM, sender_id="77")


async def enrolled(s: NurtureStore, n: int, sequence: str = "welcome_drip") -> tuple[str, list[FollowUp]]:
    lead = await s.create_lead(TG, T0)
    e = Enrollment(id=uuid.uuid4().hex, lead_id=lead.id, sequence=sequence, variant="a", entered_at=T0)
    rows = [FollowUp(id=uuid.uuid4().hex, lead_id=lead.id, enrollment_id=e.id, sequence=sequence, step=f"s{i}",
                     variant="a", channel=Channel.TELEGRAM, sender_id="77", due_at=T0 + timedelta(minutes=i))
            for i in range(n)]
    await s.apply_sequencing(SequencePlan(enrollments=[e], followups=rows))
    return lead.id, rows


async def test_claims_are_exclusive_and_only_due_rows(store: NurtureStore) -> None:  # noqa: F811
    _, _rows = await enrolled(store, 50)
    now = T0 + timedelta(minutes=39)  # 40 are due
    lease = now + timedelta(minutes=5)
    batches = await asyncio.gather(*(store.claim_due(now, 7, f"tok{i}", lease) for i in range(8)))
    ids = [f.id for batch in batches for f in batch]
    assert len(ids) == len(set(ids)) == 40
    assert all(f.status is FollowUpStatus.SENDING for batch in batches for f in batch)
    assert await store.claim_due(now, 100, "late", lease) == []


async def test_an_expired_lease_makes_a_row_claimable_again(store: NurtureStore) -> None:  # noqa: F811
    _, _rows = await enrolled(store, 1)
    [first] = await store.claim_due(T0, 10, "a", T0 + timedelta(seconds=60))
    assert await store.claim_due(T0 + timedelta(seconds=59), 10, "b", T0 + timedelta(seconds=120)) == []
    [again] = await store.claim_due(T0 + timedelta(seconds=61), 10, "c", T0 + timedelta(seconds=120))
    assert again.id == first.id


async def test_outcomes_are_recorded(store: NurtureStore) -> None:  # noqa: F811
    lead_id, _rows = await enrolled(store, 4)
    claimed = await store.claim_due(T0 + timedelta(hours=1), 10, "t", T0 + timedelta(hours=2))
    at = T0 + timedelta(hours=1)
    a, b, c, d = claimed
    await store.finish([
        Outcome(followup=a, kind=OutcomeKind.SENT, at=at, text="hello"),
        Outcome(followup=b, kind=OutcomeKind.RETRY, at=at, due_at=at + timedelta(seconds=30), reason="429"),
        Outcome(followup=c, kind=OutcomeKind.DEFER, at=at, due_at=at + timedelta(hours=8), reason="quiet hours"),
        Outcome(followup=d, kind=OutcomeKind.DEAD, at=at, reason="blocked"),
    ])
    got = {f.id: f for f in await store.followups_of(lead_id)}
    assert (got[a.id].status, got[a.id].sent_at, got[a.id].text) == (FollowUpStatus.SENT, at, "hello")
    assert (got[b.id].status, got[b.id].attempts, got[b.id].last_error) == (FollowUpStatus.SCHEDULED, 1, "429")
    assert got[b.id].due_at == at + timedelta(seconds=30)
    assert (got[c.id].status, got[c.id].attempts) == (FollowUpStatus.SCHEDULED, 0)
    assert (got[d.id].status, got[d.id].last_error) == (FollowUpStatus.DEAD, "blocked")
    [enrollment] = (await store.enrollments_for([lead_id]))[lead_id]
    assert enrollment.last_sent_at == at
    states = await store.lead_states([lead_id], at, ["ask_pricing"])
    assert states[lead_id].sends == [at]


async def test_exits_cancel_scheduled_rows_and_a_sequence_is_entered_once(store: NurtureStore) -> None:  # noqa: F811
    lead_id, _rows = await enrolled(store, 3)
    again = Enrollment(id=uuid.uuid4().hex, lead_id=lead_id, sequence="welcome_drip", variant="b", entered_at=T0)
    await store.apply_sequencing(SequencePlan(enrollments=[again], followups=[
        FollowUp(id=uuid.uuid4().hex, lead_id=lead_id, enrollment_id=again.id, sequence="welcome_drip", step="x",
                 variant="b", channel=Channel.TELEGRAM, sender_id="77", due_at=T0)]))
    assert len(await store.followups_of(lead_id)) == 3
    await store.apply_sequencing(SequencePlan(exits=[Exit(lead_id=lead_id, reason="opted out", at=T0)]))
    assert {(f.status, f.last_error) for f in await store.followups_of(lead_id)} == {
        (FollowUpStatus.CANCELLED, "opted out")}
    [e] = (await store.enrollments_for([lead_id]))[lead_id]
    assert not e.active and e.exit_reason == "opted out"
    assert await store.active_enrollments([e.id]) == set()


async def test_merging_leads_moves_their_follow_ups(store: NurtureStore) -> None:  # noqa: F811
    first, _ = await enrolled(store, 2)
    other = await store.create_lead(Identity(channel=Channel.WEB, sender_id="web-1"), T0)
    mine = Enrollment(id=uuid.uuid4().hex, lead_id=other.id, sequence="pricing_no_demo", variant="a", entered_at=T0)
    await store.apply_sequencing(SequencePlan(enrollments=[mine], followups=[
        FollowUp(id=uuid.uuid4().hex, lead_id=other.id, enrollment_id=mine.id, sequence="pricing_no_demo",
                 step="p", variant="a", channel=Channel.WEB, sender_id="web-1", due_at=T0)]))
    dup = Enrollment(id=uuid.uuid4().hex, lead_id=other.id, sequence="welcome_drip", variant="a", entered_at=T0)
    await store.apply_sequencing(SequencePlan(enrollments=[dup]))
    await store.merge_leads(first, other.id, "same email", T0)
    assert {f.sequence for f in await store.followups_of(first)} == {"welcome_drip", "pricing_no_demo"}
    assert len(await store.followups_of(first)) == 3
    assert {e.sequence for e in (await store.enrollments_for([first]))[first]} == {"welcome_drip", "pricing_no_demo"}
