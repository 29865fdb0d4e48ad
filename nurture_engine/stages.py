"""Lifecycle stages: new -> engaged -> mql -> sql -> customer, or disqualified."""

from __future__ import annotations

from collections.abc import Collection

from .domain import Lead, ProfileField, Stage
from .scoring_rules import StageRules

_ORDER = (Stage.NEW, Stage.ENGAGED, Stage.MQL, Stage.SQL, Stage.CUSTOMER)


def disqualifier(lead: Lead, signals: Collection[str], rules: StageRules) -> str | None:
    role = lead.profile.get(ProfileField.ROLE)
    if role is not None and isinstance(role.value, dict) and lead.seniority in rules.disqualify_seniority:
        return f"role {role.value.get('title')} is outside the buying audience"
    if rules.disqualify_competitor and "competitor" in signals:
        return "works at a competitor"
    return None


def next_stage(lead: Lead, score: float, signals: Collection[str], rules: StageRules) -> tuple[Stage, str]:
    """The stage the lead should be in now, with the reason; `signals` are the score signals earned.
    Stages only move forward on their own; customer and disqualified are kept (a human decision)."""
    if lead.stage in (Stage.CUSTOMER, Stage.DISQUALIFIED):
        return lead.stage, "unchanged"
    reason = disqualifier(lead, signals, rules)
    if reason:
        return Stage.DISQUALIFIED, reason
    target, why = Stage.NEW, "no activity yet"
    if score >= rules.engaged or "reply" in signals:
        target, why = Stage.ENGAGED, "talked with the assistant"
    if score >= rules.mql:
        target, why = Stage.MQL, f"score {score:.0f} reached the mql threshold {rules.mql:.0f}"
    if score >= rules.sql:
        target, why = Stage.SQL, f"score {score:.0f} reached the sql threshold {rules.sql:.0f}"
    if (rules.demo_request_is_sql and lead.demo_requested_at is not None
            and ProfileField.EMAIL in lead.profile):
        target, why = Stage.SQL, "asked for a demo or sales contact and left an email"
    if _ORDER.index(target) <= _ORDER.index(lead.stage):
        return lead.stage, "unchanged"
    return target, why
