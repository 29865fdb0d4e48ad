"""In-memory fakes of the sales alert seams, shipped for unit tests: the alert store and the lead actions."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from ..alerts_model import Alert, AlertStatus, MessageRef, StatusChange
from ..errors import LeadNotFound


class MemoryAlertStore:
    def __init__(self) -> None:
        self.alerts: dict[str, Alert] = {}
        self.last_alert_at: dict[str, datetime] = {}

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def record(self, alert: Alert, *, quiet_since: datetime) -> Alert | None:
        last = self.last_alert_at.get(alert.lead_id)
        if last is not None and last > quiet_since:
            return None
        if alert.once_key is not None and any(a.lead_id == alert.lead_id and a.once_key == alert.once_key
                                              for a in self.alerts.values()):
            return None
        self.alerts[alert.id] = alert
        self.last_alert_at[alert.lead_id] = alert.created_at
        return alert

    async def get(self, alert_id: str) -> Alert | None:
        return self.alerts.get(alert_id)

    async def for_lead(self, lead_id: str, *, limit: int = 50) -> list[Alert]:
        found = [a for a in self.alerts.values() if a.lead_id == lead_id]
        return sorted(found, key=lambda a: (a.created_at, a.id), reverse=True)[:limit]

    async def transition(self, alert_id: str, change: StatusChange) -> Alert | None:
        alert = self.alerts.get(alert_id)
        if alert is None or alert.status not in change.allowed_from:
            return None
        updated = dataclasses.replace(alert, status=change.status, status_by=change.by, status_at=change.at,
                                      snoozed_until=change.snoozed_until,
                                      feedback=alert.feedback if change.feedback is None else change.feedback)
        self.alerts[alert_id] = updated
        return updated

    async def set_message(self, alert_id: str, message: MessageRef) -> Alert | None:
        alert = self.alerts.get(alert_id)
        if alert is None:
            return None
        self.alerts[alert_id] = updated = dataclasses.replace(alert, message=message)
        return updated

    async def due_snoozed(self, now: datetime, *, limit: int = 100) -> list[Alert]:
        due = [a for a in self.alerts.values() if a.status is AlertStatus.SNOOZED
               and a.snoozed_until is not None and a.snoozed_until <= now]
        return sorted(due, key=lambda a: (a.snoozed_until or now, a.id))[:limit]

    async def erase_lead(self, lead_id: str) -> int:
        doomed = [k for k, a in self.alerts.items() if a.lead_id == lead_id]
        for key in doomed:
            del self.alerts[key]
        self.last_alert_at.pop(lead_id, None)
        return len(doomed)

    async def move_lead(self, from_id: str, into_id: str) -> int:
        moved = 0
        for key, alert in list(self.alerts.items()):
            if alert.lead_id == from_id:
                self.alerts[key] = dataclasses.replace(
                    alert, context=dataclasses.replace(alert.context, lead_id=into_id))
                moved += 1
        last = self.last_alert_at.pop(from_id, None)
        if last is not None:
            self.last_alert_at[into_id] = max(last, self.last_alert_at.get(into_id, last))
        return moved


class RecordingLeadActions:
    """`LeadActions` that records each call; leads in `missing` raise `LeadNotFound` (an erased lead)."""

    def __init__(self) -> None:
        self.claims: list[tuple[str, str]] = []
        self.not_fits: list[tuple[str, str, str]] = []
        self.snoozes: list[tuple[str, datetime]] = []
        self.missing: set[str] = set()

    def _check(self, lead_id: str) -> None:
        if lead_id in self.missing:
            raise LeadNotFound(f"no lead {lead_id!r}")

    async def claim(self, lead_id: str, owner: str) -> None:
        self._check(lead_id)
        self.claims.append((lead_id, owner))

    async def not_a_fit(self, lead_id: str, by: str, feedback: str) -> None:
        self._check(lead_id)
        self.not_fits.append((lead_id, by, feedback))

    async def snooze(self, alert_id: str, until: datetime) -> None:
        self.snoozes.append((alert_id, until))
