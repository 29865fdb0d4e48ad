"""The lead store seam."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain import ConsentStatus, FieldValue, Identity, Interaction, Lead, ProfileField


@dataclass(frozen=True, kw_only=True)
class LeadPage:
    leads: list[Lead]
    next_cursor: str | None


class LeadStore(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def lead_for_identity(self, identity: Identity) -> Lead | None: ...

    async def create_lead(self, identity: Identity, at: datetime) -> Lead: ...

    async def get_lead(self, lead_id: str) -> Lead:
        """The lead, or `LeadNotFound`."""
        ...

    async def find_by_email(self, email: str) -> Lead | None: ...

    async def set_field(self, lead_id: str, value: FieldValue) -> None: ...

    async def add_refusal(self, lead_id: str, field: ProfileField, conversation_id: str,
                          at: datetime) -> None: ...

    async def add_interaction(self, lead_id: str, interaction: Interaction) -> None: ...

    async def interactions(self, lead_id: str) -> list[Interaction]: ...

    async def set_consent(self, lead_id: str, status: ConsentStatus, at: datetime, channel: str,
                          text: str) -> None: ...

    async def mark_demo_requested(self, lead_id: str, at: datetime) -> None: ...

    async def list_leads(self, *, stage: str | None = None, q: str | None = None, limit: int = 50,
                         cursor: str | None = None) -> LeadPage: ...
