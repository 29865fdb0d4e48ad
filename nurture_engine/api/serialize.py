"""JSON shapes of the admin API (the contract in DESIGN.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain import Interaction, Lead
from ..lead_engine import LeadView
from ..scoring import breakdown


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


REQUEST_KINDS = frozenset({"demo_request", "meeting_time"})
"""The interactions a lead's JSON lists under "requests": a demo, sales or person request, and a time the visitor
proposed for the call (`meeting_time.py`; until stop 34 that was in the transcript only)."""


def lead_json(view: LeadView, now: datetime, half_life_days: float, *, alerts: list[dict[str, Any]] | None = None,
              requests: Sequence[Interaction] = ()) -> dict[str, Any]:
    lead = view.lead
    return {
        "id": lead.id,
        "stage": lead.stage.value,
        "score": view.score,
        "score_breakdown": breakdown(view.items, now, half_life_days),
        "stage_history": [{"stage": c.stage.value, "reason": c.reason, "at": iso(c.at)} for c in view.history],
        "profile": {f.value: v.value for f, v in lead.profile.items()},
        "provenance": {f.value: {"raw": v.raw, "conversation_id": v.conversation_id, "at": iso(v.at)}
                       for f, v in lead.profile.items()},
        "refused": sorted(f.value for f in lead.refused),
        "identities": [{"channel": i.channel.value, "sender_id": i.sender_id} for i in lead.identities],
        "consent": {"status": lead.consent.status.value, "at": iso(lead.consent.at),
                    "source": lead.consent.source},
        "demo_requested_at": iso(lead.demo_requested_at),
        "created_at": iso(lead.created_at),
        "owner": lead.owner,
        "followups": [{"id": f.id, "sequence": f.sequence, "step": f.step, "variant": f.variant,
                       "channel": f.channel.value, "due_at": iso(f.due_at), "status": f.status.value,
                       "attempts": f.attempts, "last_error": f.last_error, "sent_at": iso(f.sent_at)}
                      for f in view.followups],
        "alerts": alerts or [],
        "requests": [{"kind": i.kind, "detail": str(i.data.get("when") or i.data.get("kind") or ""),
                      "channel": i.channel.value, "at": iso(i.at)} for i in requests],
    }


def lead_summary(lead: Lead) -> dict[str, Any]:
    return {"id": lead.id, "stage": lead.stage.value, "score": lead.score,
            "name": _value(lead, "name"), "email": _value(lead, "email"), "company": _value(lead, "company"),
            "channels": sorted({i.channel.value for i in lead.identities})}


def _value(lead: Lead, name: str) -> Any:
    return next((v.value for f, v in lead.profile.items() if f.value == name), None)
