"""Dispatchers claim due follow-ups in batches, re-check each at send time, send through the channel
adapter and record the outcome. Claim → send → record: a killed dispatcher's claimed rows come back
when their lease ends, so nothing is lost and only its in-flight sends can repeat."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ..clock import Clock
from ..config import Business
from ..domain import Channel
from ..metrics import NO_METRICS, Metrics
from ..sequences import NurturePlan
from ..store.base import FollowUpStore
from .adapters import ChannelAdapter, Outgoing, SendFailed
from .decide import Decider, Send
from .jobs import FollowUp, Outcome, OutcomeKind
from .policy import backoff

log = logging.getLogger(__name__)


class TrackerSink(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def append(self, followup: FollowUp, text: str, at: datetime) -> None:
        """Adds the sent follow-up to the conversation, so the assistant understands a reply to it."""
        ...


class ErasureSweep(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def sweep(self, sender_ids: Sequence[str]) -> int:
        """Erases again the conversations of senders whose lead was erased (privacy.ErasedSenderSweeper)."""
        ...


@dataclass(kw_only=True)
class DispatchReport:
    claimed: int = 0
    released: int = 0
    """Claimed rows handed back unsent because the claim's lease was running out."""
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.released += other.released
        for k, v in other.counts.items():
            self.counts[k] = self.counts.get(k, 0) + v


class Dispatcher:
    def __init__(self, *, store: FollowUpStore, adapters: Mapping[Channel, ChannelAdapter], plan: NurturePlan,
                 business: Business, clock: Clock, tracker: TrackerSink | None = None, batch_size: int = 200,
                 concurrency: int = 32, name: str | None = None, metrics: Metrics = NO_METRICS,
                 sweeper: ErasureSweep | None = None) -> None:
        self._store = store
        self._adapters = dict(adapters)
        self._rules = plan.delivery
        self._decider = Decider(plan, business)
        self._clock = clock
        self._tracker = tracker
        self._sweeper = sweeper if tracker is not None else None
        self._batch = batch_size
        self._concurrency = concurrency
        self.name = name or uuid.uuid4().hex[:8]
        self._metrics = metrics

    async def start(self) -> None:
        for adapter in self._adapters.values():
            await adapter.start()
        if self._tracker is not None:
            await self._tracker.start()
        if self._sweeper is not None:
            await self._sweeper.start()

    async def stop(self) -> None:
        for adapter in self._adapters.values():
            await adapter.stop()
        if self._tracker is not None:
            await self._tracker.stop()
        if self._sweeper is not None:
            await self._sweeper.stop()

    async def run_once(self, now: datetime | None = None) -> DispatchReport:
        """Claims and handles one batch of follow-ups due at `now` (default: the clock)."""
        now = now or self._clock.now()
        token = uuid.uuid4().hex
        started = time.monotonic()
        claimed = await self._store.claim_due(now, self._batch, token,
                                              now + timedelta(seconds=self._rules.lease_seconds))
        report = DispatchReport(claimed=len(claimed))
        if not claimed:
            return report
        states = await self._store.lead_states([f.lead_id for f in claimed], now, self._decider.watched_intents)
        active = await self._store.active_enrollments([f.enrollment_id for f in claimed])
        channels = frozenset(c.value for c in self._adapters)
        outcomes: list[Outcome] = []
        sends: list[Send] = []
        for f in claimed:
            state = states.get(f.lead_id)
            decision = self._decider.decide(f, state, f.enrollment_id in active, now, channels)
            if isinstance(decision, Send):
                sends.append(decision)
                assert state is not None
                state.sends.append(now)  # the caps count this batch's sends too
            else:
                outcomes.append(decision)
        sent: list[Outcome] = []
        await self._record(outcomes, report, sent)
        # sends go out `concurrency` at a time and each group is recorded before the next starts, so a
        # killed dispatcher can repeat at most one group of in-flight sends (not its whole claim)
        for i in range(0, len(sends), self._concurrency):
            if time.monotonic() - started > self._rules.lease_seconds / 2:
                # a slow channel: hand the rest back before the lease ends and another dispatcher
                # takes them while this one might still send them
                await self._record([Outcome(followup=s.followup, kind=OutcomeKind.DEFER, at=now,
                                            due_at=s.followup.due_at, reason="released: claim lease running out")
                                    for s in sends[i:]], report, sent)
                report.released = len(sends) - i
                break
            group = sends[i:i + self._concurrency]
            await self._record(list(await asyncio.gather(*(self._send(s, now) for s in group))), report, sent)
        if self._tracker is not None:  # after every row is recorded: a slow Rasa cannot outlast the lease
            await asyncio.gather(*(self._track(o) for o in sent))
            await self._sweep(sent)
        return report

    async def _record(self, outcomes: list[Outcome], report: DispatchReport, sent: list[Outcome]) -> None:
        if not outcomes:
            return
        await self._store.finish(outcomes)
        for o in outcomes:
            report.counts[o.kind.value] = report.counts.get(o.kind.value, 0) + 1
            self._metrics.followups(o.kind.value, o.followup.channel.value)
            if o.kind in (OutcomeKind.DEAD, OutcomeKind.CANCELLED):
                log.info("follow-up %s %s: %s", o.followup.id, o.kind.value, o.reason)
        sent.extend(o for o in outcomes if o.kind is OutcomeKind.SENT)

    async def _send(self, s: Send, now: datetime) -> Outcome:
        f = s.followup
        message = Outgoing(key=f.id, channel=f.channel, recipient=f.sender_id, text=s.text)
        try:
            await self._adapters[f.channel].send(message)
        except SendFailed as exc:
            return self._failed(f, now, exc.reason, exc.retryable, exc.retry_after)
        except Exception as exc:  # an adapter bug must not lose the row: retry it, and say why
            log.exception("follow-up %s: unexpected error from the %s adapter", f.id, f.channel.value)
            return self._failed(f, now, f"unexpected error: {type(exc).__name__}", True, None)
        return Outcome(followup=f, kind=OutcomeKind.SENT, at=now, text=s.text, recorded_at=self._clock.now())

    def _failed(self, f: FollowUp, now: datetime, reason: str, retryable: bool, retry_after: float | None) -> Outcome:
        attempt = f.attempts + 1
        if not retryable or attempt >= self._rules.max_attempts:
            why = reason if not retryable else f"{reason} (gave up after {attempt} attempts)"
            return Outcome(followup=f, kind=OutcomeKind.DEAD, at=now, reason=why)
        return Outcome(followup=f, kind=OutcomeKind.RETRY, at=now, reason=reason,
                       due_at=max(now, self._clock.now()) + backoff(attempt, self._rules, retry_after))

    async def _track(self, o: Outcome) -> None:
        assert self._tracker is not None and o.text is not None
        try:
            await self._tracker.append(o.followup, o.text, o.recorded_at or o.at)
        except Exception:  # the message went out; a missing tracker event only weakens reply context
            log.warning("follow-up %s sent but not added to the conversation", o.followup.id, exc_info=True)

    async def _sweep(self, sent: list[Outcome]) -> None:
        """A lead erased between its send and the append would have its conversation back: sweep it again."""
        if self._sweeper is None or not sent:
            return
        try:
            await self._sweeper.sweep([o.followup.sender_id for o in sent])
        except Exception:  # the rows are recorded; the next erasure of these senders finds nothing left to keep
            log.error("could not check the conversations of sent follow-ups for erased leads", exc_info=True)

    async def drain(self, now: datetime) -> DispatchReport:
        """Handles everything due at `now`, batch after batch (deferred and retried rows move past `now`)."""
        total = DispatchReport()
        while True:
            report = await self.run_once(now)
            total.add(report)
            if report.claimed < self._batch and not report.released:
                return total

    async def run_forever(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        while not stop.is_set():
            try:
                report = await self.run_once()
            except Exception:  # a database hiccup: wait and try again rather than die
                log.exception("dispatcher %s: batch failed; retrying", self.name)
                report = DispatchReport()
            if report.claimed < self._batch and not report.released:
                try:
                    await asyncio.wait_for(stop.wait(), idle)
                except asyncio.TimeoutError:
                    pass
