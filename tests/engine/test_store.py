"""The same contract, run on the in-memory fake, SQLite and the running PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from nurture_engine import domain
from nurture_engine.domain import Channel, ConsentStatus, FieldValue, Identity, Interaction, ProfileField, Stage
from nurture_engine.errors import LeadNotFound
from nurture_engine.store import MemoryLeadStore
from nurture_engine.store.base import NurtureStore as LeadStore
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0

WEB = Identity(channel=Channel.WEB, sender_id="v-1")


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LeadStore]:
    if request.param == "memory":
        s: LeadStore = MemoryLeadStore()
    else:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'leads.db'}"
        else:
            make: Callable[[], str] = request.getfixturevalue("pg_database_factory")
            url = make()
        upgrade(url)
        s = SqlLeadStore(url)
    await s.start()
    yield s
    await s.stop()


def fv(field: ProfileField, value: object, raw: str = "raw") -> FieldValue:
    return FieldValue(field=field, value=value, raw=raw, conversation_id="v-1", at=T0)


async def test_create_and_find_by_identity(store: LeadStore) -> None:
    lead = await store.create_lead(WEB, T0)
    assert lead.stage is Stage.NEW and lead.consent.status is ConsentStatus.UNKNOWN
    found = await store.lead_for_identity(WEB)
    assert found is not None and found.id == lead.id
    assert found.identities == (WEB,)
    assert found.created_at == T0
    assert await store.lead_for_identity(Identity(channel=Channel.TELEGRAM, sender_id="v-1")) is None


async def test_identities_for_senders_prefers_the_latest_identity(store: LeadStore) -> None:
    await store.create_lead(WEB, T0)
    await store.create_lead(Identity(channel=Channel.TELEGRAM, sender_id="v-2"), T0)
    await store.create_lead(Identity(channel=Channel.SLACK, sender_id="v-2"), T0)
    found = await store.identities_for_senders(["v-1", "v-2", "nobody"])
    assert found == {"v-1": WEB, "v-2": Identity(channel=Channel.SLACK, sender_id="v-2")}
    assert await store.identities_for_senders([]) == {}


async def test_typed_fields_round_trip_with_provenance(store: LeadStore) -> None:
    lead = await store.create_lead(WEB, T0)
    await store.set_field(lead.id, fv(ProfileField.COMPANY_SIZE, {"min": 50, "max": 200}, "50-200"))
    await store.set_field(lead.id, fv(ProfileField.BUDGET, {"amount": 40000, "max": None, "currency": "USD",
                                                             "period": "year"}))
    await store.set_field(lead.id, fv(ProfileField.EMAIL, "ana@globex.com"))
    got = await store.get_lead(lead.id)
    assert got.profile[ProfileField.COMPANY_SIZE].value == {"min": 50, "max": 200}
    assert got.profile[ProfileField.COMPANY_SIZE].raw == "50-200"
    assert got.profile[ProfileField.BUDGET].value["amount"] == 40000
    assert got.profile[ProfileField.EMAIL].at == T0
    by_email = await store.find_by_email("ana@globex.com")
    assert by_email is not None and by_email.id == lead.id


async def test_a_new_answer_replaces_the_old_and_clears_a_refusal(store: LeadStore) -> None:
    lead = await store.create_lead(WEB, T0)
    await store.add_refusal(lead.id, ProfileField.BUDGET, "v-1", T0)
    assert ProfileField.BUDGET in (await store.get_lead(lead.id)).refused
    await store.set_field(lead.id, fv(ProfileField.BUDGET, {"amount": 1}))
    await store.set_field(lead.id, fv(ProfileField.BUDGET, {"amount": 2}))
    got = await store.get_lead(lead.id)
    assert got.profile[ProfileField.BUDGET].value == {"amount": 2}
    assert ProfileField.BUDGET not in got.refused


async def test_interactions_consent_and_demo(store: LeadStore) -> None:
    lead = await store.create_lead(WEB, T0)
    await store.add_interaction(lead.id, Interaction(kind="intent", intent="ask_pricing", channel=Channel.WEB,
                                                     sender_id="v-1", at=T0, data={"n": 1}))
    await store.set_consent(lead.id, ConsentStatus.OPTED_OUT, T0 + timedelta(minutes=1), "web", "STOP")
    await store.mark_demo_requested(lead.id, T0)
    got = await store.get_lead(lead.id)
    assert got.consent.status is ConsentStatus.OPTED_OUT and got.consent.source == "web"
    assert got.demo_requested_at == T0
    [interaction] = await store.interactions(lead.id)
    assert interaction.intent == "ask_pricing" and interaction.data == {"n": 1} and interaction.at == T0


async def test_unknown_lead(store: LeadStore) -> None:
    with pytest.raises(LeadNotFound):
        await store.get_lead("nope")
    with pytest.raises(LeadNotFound):
        await store.set_consent("nope", ConsentStatus.OPTED_IN, T0, "web", "START")


async def test_listing_filters_and_pages(store: LeadStore) -> None:
    ids = []
    for n in range(5):
        lead = await store.create_lead(Identity(channel=Channel.REST, sender_id=f"s{n}"), T0)
        await store.set_field(lead.id, fv(ProfileField.COMPANY, f"Company {n}", f"Company {n}"))
        ids.append(lead.id)
    first = await store.list_leads(limit=2)
    assert len(first.leads) == 2 and first.next_cursor is not None
    second = await store.list_leads(limit=2, cursor=first.next_cursor)
    third = await store.list_leads(limit=2, cursor=second.next_cursor)
    seen = [lead.id for page in (first, second, third) for lead in page.leads]
    assert sorted(seen) == sorted(ids) and third.next_cursor is None
    found = await store.list_leads(q="company 3")
    assert [lead.id for lead in found.leads] == [ids[3]]
    assert (await store.list_leads(stage="sql")).leads == []


async def test_merge_keeps_the_richer_profile_and_unites_everything(store: LeadStore) -> None:
    from nurture_engine.store.base import IngestBatch, LeadUpdate

    rest = Identity(channel=Channel.REST, sender_id="r-1")
    into = await store.create_lead(WEB, T0)
    other = await store.create_lead(rest, T0)
    await store.set_field(into.id, fv(ProfileField.EMAIL, "a@b.io"))
    await store.set_field(other.id, fv(ProfileField.EMAIL, "a@b.io"))
    await store.set_field(other.id, fv(ProfileField.COMPANY, "Globex"))
    message = Interaction(kind="message", intent="greet", channel=Channel.REST, sender_id="r-1", at=T0, data={})
    await store.commit_ingest(IngestBatch(interactions=[(other.id, message)], at=T0, updates=[
        LeadUpdate(lead_id=other.id, score=1, stage=Stage.ENGAGED, stage_reason="talked", at=T0, messages_added=1)]))
    await store.merge_leads(into.id, other.id, "same email", T0)
    merged = await store.get_lead(into.id)
    assert set(merged.identities) == {WEB, rest}
    assert merged.profile[ProfileField.COMPANY].value == "Globex"
    assert merged.message_count == 1
    assert len(await store.interactions(into.id)) == 1
    with pytest.raises(LeadNotFound):
        await store.get_lead(other.id)
    scoring = await store.leads_for_scoring([rest])
    assert scoring[rest].id == into.id and scoring[rest].message_count == 1


async def test_merge_keeps_the_later_of_two_values_of_a_field(store: LeadStore) -> None:
    """The kept lead said Acme in January; the other said NewCo in March: NewCo (until stop 34 the kept lead's value
    always won, and the change was lost). The kept lead's later value wins the same way; a tie keeps its own."""
    rest = Identity(channel=Channel.REST, sender_id="r-3")
    into, other = await store.create_lead(WEB, T0), await store.create_lead(rest, T0)
    later = T0 + timedelta(days=60)
    await store.set_field(into.id, fv(ProfileField.COMPANY, "Acme"))
    await store.set_field(other.id, replace(fv(ProfileField.COMPANY, "NewCo"), at=later))
    await store.set_field(into.id, replace(fv(ProfileField.ROLE, "CTO"), at=later))
    await store.set_field(other.id, fv(ProfileField.ROLE, "Developer"))
    await store.set_field(into.id, fv(ProfileField.USE_CASE, "forecasting"))
    await store.set_field(other.id, fv(ProfileField.USE_CASE, "lead routing"))
    assert await store.merge_leads(into.id, other.id, "same email", later)
    profile = (await store.get_lead(into.id)).profile
    assert {f: v.value for f, v in profile.items()} == {ProfileField.COMPANY: "NewCo", ProfileField.ROLE: "CTO",
                                                        ProfileField.USE_CASE: "forecasting"}
    assert profile[ProfileField.COMPANY].at == later


async def test_the_same_merge_twice_at_once_merges_once(store: LeadStore) -> None:
    """Two processes merging the same pair at the same moment (the same email given on two channels): on
    PostgreSQL the second waits for the first's row locks, then finds the merged lead gone and does nothing."""
    rest = Identity(channel=Channel.REST, sender_id="r-2")
    into, other = await store.create_lead(WEB, T0), await store.create_lead(rest, T0)
    await store.set_field(other.id, fv(ProfileField.COMPANY, "Globex"))
    done = await asyncio.gather(*(store.merge_leads(into.id, other.id, "same email", T0) for _ in range(2)))
    assert sorted(done) == [False, True]
    merged = await store.get_lead(into.id)
    assert set(merged.identities) == {WEB, rest} and merged.profile[ProfileField.COMPANY].value == "Globex"
    assert await store.merge_leads(into.id, other.id, "same email", T0) is False
    with pytest.raises(LeadNotFound):  # the lead to keep must exist
        await store.merge_leads(other.id, into.id, "same email", T0)
    assert (await store.get_lead(into.id)).identities == merged.identities


def test_both_sides_of_a_pair_choose_the_same_lead_to_keep() -> None:
    def lead(lead_id: str, fields: int, minutes: int) -> domain.Lead:
        profile = {f: fv(f, "x") for f in list(ProfileField)[:fields]}
        return domain.Lead(id=lead_id, stage=Stage.NEW, score=0, consent=domain.Consent(status=ConsentStatus.UNKNOWN),
                    created_at=T0 + timedelta(minutes=minutes),
                    profile=profile)

    richer, older, younger, twin = lead("b", 3, 5), lead("c", 1, 0), lead("a", 1, 9), lead("d", 1, 0)
    for a, b, kept in [(richer, older, richer), (older, younger, older), (older, twin, older)]:
        assert domain.merge_order(a, b) == domain.merge_order(b, a) == (kept, b if kept is a else a)
