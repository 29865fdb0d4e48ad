"""Lead store: a protocol, the SQL implementation and an in-memory fake."""

from __future__ import annotations

from .base import LeadPage, LeadStore
from .memory import MemoryLeadStore

__all__ = ["LeadPage", "LeadStore", "MemoryLeadStore"]
