"""SQLAlchemy Core tables of the lead store (the Alembic migrations create the same schema)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

leads = Table(
    "leads", metadata,
    Column("id", String(32), primary_key=True),
    Column("stage", String(16), nullable=False, index=True),
    Column("score", Float, nullable=False, default=0.0),
    Column("consent_status", String(16), nullable=False),
    Column("consent_at", DateTime(timezone=True)),
    Column("consent_source", String(32)),
    Column("demo_requested_at", DateTime(timezone=True)),
    Column("email", String(254), index=True),
    Column("message_count", Integer, nullable=False, server_default="0"),
    Column("owner", String(255)),
    Column("owner_at", DateTime(timezone=True)),
    Column("timezone", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

identities = Table(
    "identities", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("channel", String(16), nullable=False),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("channel", "sender_id", name="uq_identity"),
)

profile_fields = Table(
    "profile_fields", metadata,
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("raw", Text, nullable=False),
    Column("conversation_id", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

refusals = Table(
    "field_refusals", metadata,
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

interactions = Table(
    "interactions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("intent", String(64)),
    Column("channel", String(16), nullable=False),
    Column("sender_id", String(255), nullable=False),
    Column("data", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

consent_ledger = Table(
    "consent_ledger", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

stage_history = Table(
    "stage_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("stage", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

consumer_offsets = Table(
    "consumer_offsets", metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

processed_events = Table(
    "processed_events", metadata,
    Column("event_key", String(128), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

lead_merges = Table(
    "lead_merges", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("into_lead_id", String(32), nullable=False, index=True),
    Column("from_lead_id", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

enrollments = Table(
    "enrollments", metadata,
    Column("id", String(32), primary_key=True),
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("sequence", String(64), nullable=False),
    Column("variant", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("exit_reason", Text),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Column("exited_at", DateTime(timezone=True)),
    Column("last_sent_at", DateTime(timezone=True)),
    UniqueConstraint("lead_id", "sequence", name="uq_enrollment"),
)

followups = Table(
    "followups", metadata,
    Column("id", String(32), primary_key=True),
    Column("lead_id", String(32), ForeignKey("leads.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("enrollment_id", String(32), ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("sequence", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("variant", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("sender_id", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("claim_token", String(32)),
    Column("lease_until", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("text", Text),
    Index("ix_followups_due", "status", "due_at"),
)
