"""Sales alerts: tell the sales channel when a lead reaches sql or asks for a human, once.

Policy of `SalesAlerter.maybe_alert`:
- customer and disqualified leads are never announced;
- a stage is announced once per lead: at most one ``stage:sql`` alert per lead, ever;
- no two alerts about one lead within ``cooldown_hours``, whatever triggered them (asking for a human
  twice in an hour is one request, and an alert already carries the whole lead);
- while the lead's latest alert is snoozed nothing new is announced; `remind_due` re-posts it when
  the snooze ends.
- a privacy request (the visitor asks for erasure or a copy of their data) is not a sale: it is announced
  whatever the stage, cooldown or snooze, once a day per lead, and can only be claimed.
The store applies the first two rules atomically, so the action server and the event consumer
(separate processes) cannot announce one lead twice.

A click (claim / not a fit / snooze) moves an alert's status once (two people clicking Claim at the
same time: the first wins), then `LeadActions` act on the lead and every sink updates its message.
The alert's data (`AlertContext`, ...) lives in `alerts_model`; the message in `alerts_slack`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from .alerts_model import (
    Alert,
    AlertAction,
    AlertClick,
    AlertContext,
    AlertRules,
    AlertStatus,
    AlertTrigger,
    MessageRef,
    StatusChange,
)
from .clock import Clock
from .domain import Stage
from .errors import NurtureError
from .metrics import NO_METRICS, Metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
QUIET_STAGES = frozenset({Stage.CUSTOMER, Stage.DISQUALIFIED})
_OPEN = frozenset({AlertStatus.OPEN, AlertStatus.SNOOZED})
_ALLOWED_FROM = {
    AlertAction.CLAIM: _OPEN,
    AlertAction.NOT_A_FIT: _OPEN | {AlertStatus.CLAIMED},  # the owner may find out later
    AlertAction.SNOOZE: _OPEN,
}
_STATUS_OF = {AlertAction.CLAIM: AlertStatus.CLAIMED, AlertAction.NOT_A_FIT: AlertStatus.NOT_A_FIT,
              AlertAction.SNOOZE: AlertStatus.SNOOZED}


class AlertStore(Protocol):
    """Where alerts and their state live (SQL, or the in-memory fake)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def record(self, alert: Alert, *, quiet_since: datetime) -> Alert | None:
        """Stores `alert` unless the lead had an alert created after `quiet_since`, or already has one
        with the same `once_key`; atomic across processes. None when it was not stored."""
        ...

    async def get(self, alert_id: str) -> Alert | None: ...

    async def for_lead(self, lead_id: str, *, limit: int = 50) -> list[Alert]:
        """The lead's alerts, newest first."""
        ...

    async def transition(self, alert_id: str, change: StatusChange) -> Alert | None:
        """Applies `change` if the alert's status is in `change.allowed_from` (atomically); None otherwise."""
        ...

    async def set_message(self, alert_id: str, message: MessageRef) -> Alert | None:
        """Remembers where the alert was posted (the latest post, for reminders)."""
        ...

    async def due_snoozed(self, now: datetime, *, limit: int = 100) -> list[Alert]:
        """Snoozed alerts whose snooze ended at or before `now`, oldest first."""
        ...

    async def erase_lead(self, lead_id: str) -> int:
        """Deletes the lead's alerts (lead erasure); returns how many."""
        ...

    async def move_lead(self, from_id: str, into_id: str) -> int:
        """After a lead merge: the alerts of `from_id` now belong to `into_id`; returns how many moved."""
        ...


class AlertSink(Protocol):
    """Where alerts are shown. Sinks log their delivery failures and never raise them."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, alert: Alert) -> MessageRef | None:
        """Posts a new alert (or a reminder); the message's reference if this sink keeps one."""
        ...

    async def update(self, alert: Alert, message: MessageRef | None) -> None:
        """Shows the alert's new status (on `message`, the one that was clicked, when known)."""
        ...


class LeadActions(Protocol):
    """What the sales team's answers do to the lead (implemented by the service; results are ignored)."""

    async def claim(self, lead_id: str, owner: str) -> object:
        """Assigns `owner` (e.g. ``slack:U123``) to the lead and pauses its automated follow-ups."""
        ...

    async def not_a_fit(self, lead_id: str, by: str, feedback: str) -> object:
        """Disqualifies the lead and records `feedback` ("" when none was given) for scoring."""
        ...

    async def snooze(self, alert_id: str, until: datetime) -> object:
        """The alert was snoozed until `until` (the alerter re-posts it then through `remind_due`)."""
        ...


class SalesAlerter:
    def __init__(self, *, store: AlertStore, clock: Clock, lead_actions: LeadActions,
                 rules: AlertRules | None = None, sinks: Sequence[AlertSink] = (),
                 metrics: Metrics = NO_METRICS) -> None:
        self._metrics = metrics
        self._store = store
        self._clock = clock
        self._actions = lead_actions
        self.rules = rules or AlertRules()
        self._sinks = tuple(sinks)

    async def start(self) -> None:
        await self._store.start()
        for sink in self._sinks:
            await sink.start()

    async def stop(self) -> None:
        for sink in self._sinks:
            await sink.stop()
        await self._store.stop()

    async def maybe_alert(self, context: AlertContext) -> Alert | None:
        """Records and posts an alert for `context` unless the policy (module docstring) says no."""
        if context.trigger is AlertTrigger.PRIVACY_REQUEST:
            return await self._raise(context, quiet_since=self._clock.now())
        if context.stage in QUIET_STAGES:
            log.debug("alerts: lead %s is %s: not announced", context.lead_id, context.stage.value)
            return None
        now = self._clock.now()
        latest = await self._store.for_lead(context.lead_id, limit=1)
        if latest and latest[0].status is AlertStatus.SNOOZED and (latest[0].snoozed_until or now) > now:
            log.info("alerts: lead %s not announced (%s): its alert %s is snoozed", context.lead_id,
                     context.trigger.value, latest[0].id)
            return None
        return await self._raise(context, quiet_since=now - timedelta(hours=self.rules.cooldown_hours))

    async def _raise(self, context: AlertContext, *, quiet_since: datetime) -> Alert | None:
        alert = Alert(id=uuid.uuid4().hex, context=context, created_at=self._clock.now())
        stored = await self._store.record(alert, quiet_since=quiet_since)
        if stored is None:
            if context.trigger is AlertTrigger.PRIVACY_REQUEST:
                log.info("alerts: lead %s not announced (privacy_request): already announced today",
                         context.lead_id)
            else:
                log.info("alerts: lead %s not announced (%s): already announced, or within the %g h cooldown",
                         context.lead_id, context.trigger.value, self.rules.cooldown_hours)
            return None
        log.info("alerts: alert %s for lead %s (%s, stage %s, score %.0f)", stored.id, context.lead_id,
                 context.trigger.value, context.stage.value, context.score)
        self._metrics.alert("raised")
        return await self._publish(stored)

    async def handle_click(self, click: AlertClick) -> Alert | None:
        """A salesperson's answer: moves the alert's status once, acts on the lead, updates the messages.
        None for an unknown alert; the alert unchanged when its status does not allow the click."""
        alert = await self._store.get(click.alert_id)
        if alert is None:
            log.warning("alerts: %s on unknown alert %s ignored", click.action.value, click.alert_id)
            return None
        if click.action not in alert.trigger.actions:
            log.warning("alerts: %s by %s on alert %s refused: a %s alert does not offer it", click.action.value,
                        click.by, alert.id, alert.trigger.value)
            return alert
        now = self._clock.now()
        until = now + timedelta(hours=self.rules.snooze_hours) if click.action is AlertAction.SNOOZE else None
        change = StatusChange(status=_STATUS_OF[click.action], at=now, by=click.by,
                              allowed_from=_ALLOWED_FROM[click.action], snoozed_until=until,
                              feedback=click.feedback if click.action is AlertAction.NOT_A_FIT else None)
        updated = await self._store.transition(alert.id, change)
        if updated is None:
            log.info("alerts: %s by %s on alert %s ignored: it is already %s", click.action.value, click.by,
                     alert.id, alert.status.value)
            return alert
        log.info("alerts: alert %s of lead %s %s by %s", alert.id, alert.lead_id, updated.status.value, click.by)
        self._metrics.alert("clicked")
        await self._act(click, updated)
        for sink in self._sinks:
            await self._guard(sink.update(updated, click.message or updated.message), f"update of {alert.id}")
        return updated

    async def remind_due(self) -> list[Alert]:
        """Re-opens and re-posts the alerts whose snooze has ended (call it from a periodic loop)."""
        now = self._clock.now()
        reminded = []
        for alert in await self._store.due_snoozed(now):
            reopened = await self._store.transition(alert.id, StatusChange(
                status=AlertStatus.OPEN, at=now, by=None, allowed_from=frozenset({AlertStatus.SNOOZED})))
            if reopened is not None:  # None: someone clicked meanwhile
                log.info("alerts: alert %s of lead %s reminded after its snooze", alert.id, alert.lead_id)
                reminded.append(await self._publish(reopened))
        return reminded

    async def alerts_for(self, lead_id: str) -> list[Alert]:
        return await self._store.for_lead(lead_id)

    async def erase_lead(self, lead_id: str) -> int:
        return await self._store.erase_lead(lead_id)

    async def move_lead(self, from_id: str, into_id: str) -> int:
        return await self._store.move_lead(from_id, into_id)

    async def _publish(self, alert: Alert) -> Alert:
        for sink in self._sinks:
            ref = await self._guard(sink.publish(alert), f"post of {alert.id}")
            if ref is not None:
                alert = await self._store.set_message(alert.id, ref) or alert
        return alert

    async def _act(self, click: AlertClick, alert: Alert) -> None:
        try:
            if click.action is AlertAction.CLAIM:
                await self._actions.claim(alert.lead_id, owner=click.by)
            elif click.action is AlertAction.NOT_A_FIT:
                await self._actions.not_a_fit(alert.lead_id, by=click.by, feedback=click.feedback)
            elif alert.snoozed_until is not None:
                await self._actions.snooze(alert.id, until=alert.snoozed_until)
        except NurtureError as error:  # e.g. the lead was erased since: the click is still recorded
            log.warning("alerts: %s of lead %s (alert %s) not applied: %s", click.action.value, alert.lead_id,
                        alert.id, error)

    @staticmethod
    async def _guard(work: Awaitable[T], what: str) -> T | None:
        """Sinks log their own delivery errors; anything else must not break a conversation turn either."""
        try:
            return await work
        except Exception:
            log.exception("alerts: %s failed unexpectedly", what)
            return None
