"""Pure delivery rules: quiet hours in the lead's time zone, frequency caps, retry backoff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..sequences import DeliveryRules

DAY, WEEK = timedelta(days=1), timedelta(days=7)


def lead_zone(name: str | None, rules: DeliveryRules) -> ZoneInfo:
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # an unknown zone on a lead falls back to the configured default
    return rules.timezone


def quiet_until(now: datetime, rules: DeliveryRules, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours that contain `now` end (in UTC), or None if `now` is not quiet."""
    start, end = rules.quiet_start, rules.quiet_end
    if start == end:  # quiet hours switched off
        return None
    local = now.astimezone(zone)
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    resume = datetime.combine(day, end, tzinfo=zone)
    return resume.astimezone(timezone.utc)


def cap_until(now: datetime, sends: Sequence[datetime], rules: DeliveryRules) -> datetime | None:
    """When another follow-up may go without breaking the caps, or None if it may go now."""
    if not sends:  # every cap is at least 1 (checked when nurture.yml is read)
        return None
    waits = []
    for window, cap in ((DAY, rules.per_day), (WEEK, rules.per_week)):
        recent = sorted(s for s in sends if now - window < s <= now)
        if len(recent) >= cap:
            waits.append(recent[len(recent) - cap] + window)  # when the oldest counted send leaves the window
    return max(waits) if waits else None


def backoff(attempt: int, rules: DeliveryRules, retry_after: float | None = None) -> timedelta:
    """Wait before attempt `attempt + 1`: exponential from the base, at least the server's retry_after."""
    seconds = min(rules.backoff_seconds * (2 ** max(attempt - 1, 0)), rules.backoff_max_seconds)
    return timedelta(seconds=max(seconds, retry_after or 0.0))
