"""Raises sales alerts from durable rows: a lead reaching sql (stage history, written by whichever
process rescored it) or asking for a human (interactions from the event broker). Runs in `nurture serve`;
its read positions are stored like the event consumer's, so a restart neither misses nor repeats work
(the alerter's own once-per-stage rule also makes a repeat harmless)."""

from __future__ import annotations

import logging
from typing import Protocol

from .alerts import SalesAlerter
from .alerts_model import AlertTrigger, ChatLine, chat_lines, context_for
from .clock import Clock
from .domain import Channel
from .errors import LeadNotFound
from .scheduler.jobs import AlertCandidate
from .service import NurtureService
from .store.base import AlertSource

log = logging.getLogger(__name__)
STAGE_OFFSET, INTERACTION_OFFSET = "alerts.stage_history", "alerts.interactions"


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

    async def start(self) -> None:
        if self._conversations is not None:
            await self._conversations.start()

    async def stop(self) -> None:
        if self._conversations is not None:
            await self._conversations.stop()

    async def run_once(self) -> int:
        """Handles new candidates; returns how many. Reminds snoozed alerts whose time has come."""
        after_stage = await self._service.event_offset(STAGE_OFFSET)
        after_interaction = await self._service.event_offset(INTERACTION_OFFSET)
        found = await self._source.alert_candidates(after_stage, after_interaction)
        for candidate in found:
            await self._handle(candidate)
            if candidate.source == "stage":
                after_stage = max(after_stage, candidate.position)
            else:
                after_interaction = max(after_interaction, candidate.position)
        if found:
            await self._service.save_offsets({STAGE_OFFSET: after_stage, INTERACTION_OFFSET: after_interaction})
        await self._alerter.remind_due()
        return len(found)

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
        trigger = AlertTrigger.STAGE_SQL if c.source == "stage" else AlertTrigger.HUMAN_HANDOFF
        context = context_for(view, trigger=trigger, channel=channel, now=self._clock.now(),
                              half_life_days=self._service.half_life_days, rules=self._alerter.rules,
                              messages=messages)
        await self._alerter.maybe_alert(context)
