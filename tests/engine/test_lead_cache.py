"""The consumer's lead cache (store/lead_cache.py): a lead read again with equal rows is the object built
before, with the score, stage and count just read; whatever another writer changed is read, never assumed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nurture_engine.domain import Channel, Consent, ConsentStatus, FieldValue, Identity, Lead, ProfileField, Stage
from nurture_engine.store.lead_cache import LeadRowCache
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.testing import T0
from tests.engine.test_scoring_fast_path import NOW, SENDERS, PortableStore, batch, seeded


def lead(score: float = 1.0) -> Lead:
    return Lead(id="L", stage=Stage.NEW, score=score, created_at=T0, consent=Consent(status=ConsentStatus.UNKNOWN),
                identities=(Identity(channel=Channel.WEB, sender_id="s"),))


def test_equal_rows_give_the_same_lead_and_new_counters_a_copy() -> None:
    cache = LeadRowCache()
    first = cache.lead("k", ("rest",), lead, stage=Stage.NEW, score=1.0, message_count=0)
    assert cache.lead("k", ("rest",), lead, stage=Stage.NEW, score=1.0, message_count=0) is first
    moved = cache.lead("k", ("rest",), lead, stage=Stage.ENGAGED, score=4.5, message_count=3)
    assert (moved.stage, moved.score, moved.message_count) == (Stage.ENGAGED, 4.5, 3)
    assert moved.profile is first.profile and moved.identities is first.identities
    rebuilt = cache.lead("k", ("other rest",), lambda: lead(9.0), stage=Stage.NEW, score=9.0, message_count=0)
    assert rebuilt.score == 9.0 and rebuilt is not moved
    assert cache.hits == 2


def test_the_cache_is_bounded() -> None:
    cache = LeadRowCache(limit=2)
    for key in "abc":
        cache.lead(key, (), lead, stage=Stage.NEW, score=1.0, message_count=0)
    assert len(cache._leads) == 1  # cleared when full, then the new one kept


def summary(leads: dict[Identity, Lead]) -> dict[Identity, tuple[object, ...]]:
    return {k: (v.stage, v.score, v.consent, v.demo_requested_at, v.profile, v.message_count, v.owner)
            for k, v in leads.items()}


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_a_lead_read_again_shows_what_another_writer_changed(db: str, request: pytest.FixtureRequest,
                                                                  tmp_path: Path) -> None:
    if db == "postgres":
        make: Callable[[str], str] = request.getfixturevalue("pg_database_factory")
        url = make("leadcache")
    else:
        url = f"sqlite:///{tmp_path}/leads.db"
    upgrade(url)
    consumer, other, portable = SqlLeadStore(url), SqlLeadStore(url), PortableStore(url)
    for store in (consumer, other, portable):
        await store.start()
    try:
        ids = await seeded(consumer)
        first = await consumer.leads_for_scoring(SENDERS)
        await consumer.commit_ingest(batch(ids, 1, []))  # scores leads 0-2
        second = await consumer.leads_for_scoring(SENDERS)
        assert summary(second) == summary(await portable.leads_for_scoring(SENDERS))
        for n in (3, 4, 5):
            assert second[SENDERS[n]] is first[SENDERS[n]]  # nothing changed
        for n in (0, 1, 2):
            assert second[SENDERS[n]].profile is first[SENDERS[n]].profile
            assert second[SENDERS[n]].score != first[SENDERS[n]].score
        # another process (the action server, the admin API) writes meanwhile
        await other.set_field(ids[3], FieldValue(field=ProfileField.COMPANY, value="Initech", raw="Initech",
                                                 conversation_id="c", at=NOW))
        await other.set_owner(ids[4], "U7", NOW)
        await other.set_consent(ids[5], ConsentStatus.OPTED_OUT, NOW, "web", "stop")
        await other.mark_demo_requested(ids[0], NOW)
        third = await consumer.leads_for_scoring(SENDERS)
        assert summary(third) == summary(await portable.leads_for_scoring(SENDERS))
        assert third[SENDERS[3]].profile[ProfileField.COMPANY].value == "Initech"
        assert third[SENDERS[4]].owner == "U7"
        assert third[SENDERS[5]].consent.status is ConsentStatus.OPTED_OUT
        assert third[SENDERS[0]].demo_requested_at == NOW
        assert third[SENDERS[1]] is second[SENDERS[1]]
    finally:
        for store in (consumer, other, portable):
            await store.stop()
