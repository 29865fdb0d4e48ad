"""Raises sales alerts from durable rows: a lead reaching sql (stage history, written by whichever
process rescored it), asking for a human or making a privacy request (interactions from the event broker).
Runs in `nurture serve`; its read positions are stored like the event consumer's, so a restart neither misses
nor repeats work (the alerter's own once-per-stage rule also makes a repeat harmless), and rows that commit after
a higher id was read are still seen (IdGaps), by this process and, through the stored settled mark, by the next one."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from .alerts import SalesAlerter
from .alerts_model import AlertTrigger, ChatLine, chat_lines, context_for, trigger_for
from .clock import Clock
from .domain import Channel
from .errors import LeadNotFound
from .scheduler.jobs import AlertCandidate
from .service import NurtureService
from .store.base import AlertSource, WatchRow

log = logging.getLogger(__name__)
STAGE_OFFSET, INTERACTION_OFFSET = "alerts.stage_history", "alerts.interactions"
STAGE, INTERACTION = "stage", "interaction"
SETTLED = ".settled"
"""Suffix of the stored mark below which no position is still open: a restart reads again from there."""
ROWS_PER_READ = 1000


class IdGaps:
    """Positions a reader in id order passed without a row. On PostgreSQL a sequence hands out ids when rows
    are inserted, not when they commit: a stage change written by the action server can commit after a higher
    id written by the consumer was read, and an offset alone would pass it for good (no alert for that lead).
    So the positions skipped are asked for again on each poll until their row appears or `settle` has passed
    (a rolled-back insert or an erased lead leaves a gap for good). The gaps are kept in memory; what survives a
    restart is the settled mark (`settled`), from which the next process reads again."""

    def __init__(self, settle: timedelta = timedelta(seconds=60), limit: int = 10_000) -> None:
        self._settle = settle
        self._limit = limit
        self._open: dict[int, datetime] = {}

    def passed(self, after: int, positions: Sequence[int], now: datetime) -> None:
        """The rows read after `after` were at `positions` (ascending): the others up to the last are gaps."""
        seen = set(positions)
        for position in range(max(after + 1, positions[-1] - self._limit), positions[-1]):
            if position not in seen:
                self._open.setdefault(position, now)
        if len(self._open) > self._limit:  # a huge rollback: keep the newest
            for position in sorted(self._open)[:len(self._open) - self._limit]:
                del self._open[position]

    def open(self, now: datetime) -> list[int]:
        """The gaps still worth asking for; those older than `settle` are given up."""
        for position in [p for p, since in self._open.items() if now - since > self._settle]:
            del self._open[position]
        return sorted(self._open)

    def close(self, positions: Iterable[int]) -> None:
        for position in positions:
            self._open.pop(position, None)

    def settled(self, after: int) -> int:
        """The highest position at or below which no gap is open, for a reader that has read up to `after`."""
        return min(min(self._open, default=after + 1) - 1, after)


class Conversations(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def events(self, sender_id: str) -> list[dict[str, object]]: ...


class AlertWatcher:
    def __init__(self, *, source: AlertSource, service: NurtureService, alerter: SalesAlerter, clock: Clock,
                 conversations: Conversations | None = None) -> None:
        self._source = source
        self._service = service
        self._alerter = alerter
        self._clock = clock
        self._conversations = conversations
        self._gaps = {STAGE: IdGaps(), INTERACTION: IdGaps()}
        self._settled: dict[str, int] = {}  # per offset name: the settled mark last stored (none stored: the offset)

    async def start(self) -> None:
        if self._conversations is not None:
            await self._conversations.start()

    async def stop(self) -> None:
        if self._conversations is not None:
            await self._conversations.stop()

    async def run_once(self) -> int:
        """Handles new candidates, and those of rows that appeared late in positions passed before; returns
        how many. Reminds snoozed alerts whose time has come."""
        now = self._clock.now()
        handled, moved = 0, {}
        for source, name in ((STAGE, STAGE_OFFSET), (INTERACTION, INTERACTION_OFFSET)):
            gaps = self._gaps[source]
            late = await self._source.alert_rows_at(source, gaps.open(now))
            gaps.close(position for position, _ in late)
            handled += await self._handle_rows(late)
            start = await self._service.event_offset(name)
            after = await self._resume_from(name, start)
            while rows := await self._source.alert_rows(source, after, limit=ROWS_PER_READ):
                handled += await self._handle_rows(rows)
                gaps.passed(after, [position for position, _ in rows], now)
                after = rows[-1][0]
                if len(rows) < ROWS_PER_READ:
                    break
            if after > start:
                moved[name] = after
            settled = gaps.settled(max(after, start))
            if settled != self._settled[name]:
                moved[name + SETTLED] = self._settled[name] = settled
        if moved:
            await self._service.save_offsets(moved)
        await self._alerter.remind_due()
        return handled

    async def _resume_from(self, name: str, start: int) -> int:
        """Where this process reads first: from the stored settled mark, when a previous process left gaps
        open below its offset (rows it had not seen yet; those it had are read again, and the alerter's
        once-per-lead rule and cooldown answer them); from the offset afterwards. No settled mark stored
        (a database from before it existed): from the offset."""
        if name in self._settled:
            return start
        stored = await self._service.event_offset(name + SETTLED)
        self._settled[name] = stored if 0 < stored < start else start
        return self._settled[name]

    async def _handle_rows(self, rows: Sequence[WatchRow]) -> int:
        candidates = [c for _, c in rows if c is not None]
        for candidate in candidates:
            await self._handle(candidate)
        return len(candidates)

    async def _handle(self, c: AlertCandidate) -> None:
        try:
            view = await self._service.view(c.lead_id)
        except LeadNotFound:
            return  # merged away or erased since
        identity = view.lead.identities[-1] if view.lead.identities else None
        channel = c.channel or (identity.channel if identity else Channel.REST)
        messages: tuple[ChatLine, ...] = ()
        if self._conversations is not None and identity is not None:
            try:
                events = await self._conversations.events(identity.sender_id)
                messages = chat_lines(events, self._alerter.rules.last_messages)
            except Exception:  # the alert goes out without the transcript rather than not at all
                log.warning("alerts: could not read the conversation of lead %s", c.lead_id, exc_info=True)
        trigger = (AlertTrigger.STAGE_SQL if c.source == "stage"
                   else trigger_for(intent=c.intent) or AlertTrigger.HUMAN_HANDOFF)
        context = context_for(view, trigger=trigger, channel=channel, now=self._clock.now(),
                              half_life_days=self._service.half_life_days, rules=self._alerter.rules,
                              messages=messages)
        await self._alerter.maybe_alert(context)
