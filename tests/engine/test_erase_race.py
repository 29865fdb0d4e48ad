"""An erasure racing a dispatcher: the follow-up it sent is appended to the conversation through Rasa's API,
which stores a new tracker for a conversation it no longer has. Neither order may leave the erased
visitor's conversation behind (on SQLite and the running PostgreSQL, with Rasa's own tracker store)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from nurture_engine.domain import Channel
from nurture_engine.privacy import ErasedSenderSweeper, LeadKeys, Privacy
from nurture_engine.rasa_stores import RasaBrokerEvents, RasaTrackerEvents
from nurture_engine.scheduler.adapters import RecordingAdapter
from nurture_engine.scheduler.dispatcher import Dispatcher
from nurture_engine.scheduler.jobs import FollowUp
from nurture_engine.store.sql_privacy import SqlPrivacyStore
from nurture_engine.testing import T0, test_settings

from .test_privacy import ANA, BOB, World, rasa_conversation, seed, urls, world  # noqa: F401 (fixtures)

DUE = T0 + timedelta(hours=1)


@dataclass
class Race:
    world: World
    lead_id: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    async def ana_events(self) -> list[dict[str, Any]]:
        tracker = RasaTrackerEvents(self.world.urls["tracker"])
        await tracker.start()
        try:
            return await tracker.events_for([ANA.sender_id])
        finally:
            await tracker.stop()


@pytest.fixture
async def race(world: World) -> Race:  # noqa: F811 (the fixture imported above)
    return Race(world=world, lead_id=await seed(world.service, world.store, world.clock))


class LateAppend:
    """The dispatcher's tracker sink, as Rasa answers it: the event is stored whether or not the conversation
    still exists. `before` runs first (the erasure that got in between the send and the append)."""

    def __init__(self, where: dict[str, str], before: Any = None) -> None:
        self._urls = where
        self._before = before
        self.appended: list[str] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def append(self, followup: FollowUp, text: str, at: datetime) -> None:
        if self._before is not None:
            await self._before()
        await rasa_conversation(self._urls, followup.sender_id, [(text, at)])
        self.appended.append(followup.sender_id)


def dispatcher(r: Race, sink: LateAppend, sweeper: ErasedSenderSweeper | None) -> tuple[Dispatcher, RecordingAdapter]:
    web = RecordingAdapter(Channel.WEB)
    settings = test_settings()
    return Dispatcher(store=r.store, adapters={Channel.WEB: web}, plan=settings.plan, business=settings.business,
                      clock=r.clock, tracker=sink, sweeper=sweeper), web


def sweeper_for(r: Race) -> ErasedSenderSweeper:
    return ErasedSenderSweeper(senders=r.store, conversations=[RasaTrackerEvents(r.urls["tracker"]),
                                                              RasaBrokerEvents(r.urls["events"])])


async def test_an_erasure_between_send_and_append_is_swept_by_the_dispatcher(race: Race) -> None:
    async def erase() -> None:
        assert (await race.privacy.erase(race.lead_id, actor="test")).complete

    sink = LateAppend(race.urls, before=erase)
    d, web = dispatcher(race, sink, sweeper_for(race))
    await d.start()
    race.clock.set(DUE)
    report = await d.run_once(DUE)
    await d.stop()
    assert report.counts == {"sent": 1} and [m.recipient for m in web.sent] == [ANA.sender_id]
    assert sink.appended == [ANA.sender_id]  # Rasa stored the conversation again ...
    assert await race.ana_events() == []  # ... and the sweep erased it


async def test_without_the_sweeper_the_late_append_would_bring_the_conversation_back(race: Race) -> None:
    """The control for the test above: the race is real, not an artefact of the fakes."""
    async def erase() -> None:
        await race.privacy.erase(race.lead_id, actor="test")

    d, _ = dispatcher(race, LateAppend(race.urls, before=erase), None)
    await d.start()
    race.clock.set(DUE)
    await d.run_once(DUE)
    await d.stop()
    assert [e["type_name"] for e in await race.ana_events()] == ["user", "bot"]


async def test_the_sweep_leaves_a_known_senders_conversation_alone(race: Race) -> None:
    sweeper = sweeper_for(race)
    await sweeper.start()
    try:
        assert await sweeper.sweep([ANA.sender_id, BOB.sender_id]) == 0
        assert await sweeper.sweep([]) == 0
    finally:
        await sweeper.stop()
    assert len(await race.ana_events()) == 4


class AppendDuringErase:
    """The lead store's side of privacy, with a dispatcher's append landing after the first pass over the
    conversations and before the lead (and so the sender) is gone: the dispatcher's check still finds the sender."""

    def __init__(self, inner: SqlPrivacyStore, where: dict[str, str]) -> None:
        self._inner = inner
        self._urls = where

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def erase_lead(self, lead_id: str, keys: LeadKeys) -> dict[str, int]:
        await rasa_conversation(self._urls, ANA.sender_id, [("Hi again!", DUE)])
        return await self._inner.erase_lead(lead_id, keys)


async def test_an_append_during_the_erasure_is_caught_by_its_second_pass(race: Race) -> None:
    leads = SqlPrivacyStore(race.urls["leads"])
    conversations: Sequence[Any] = [RasaTrackerEvents(race.urls["tracker"]), RasaBrokerEvents(race.urls["events"])]
    privacy = Privacy(leads=AppendDuringErase(leads, race.urls), conversations=conversations, clock=race.clock)
    await privacy.start()
    try:
        report = await privacy.erase(race.lead_id, actor="test")
    finally:
        await privacy.stop()
    assert report.complete
    assert report.counts["tracker_store.events"] == 4 + 2  # the conversation, then the late pair
    assert await race.ana_events() == []
