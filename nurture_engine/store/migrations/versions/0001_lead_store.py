"""lead store: leads, identities, profile fields with provenance, refusals, interactions, consent

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("consent_status", sa.String(16), nullable=False),
        sa.Column("consent_at", TS),
        sa.Column("consent_source", sa.String(32)),
        sa.Column("demo_requested_at", TS),
        sa.Column("email", sa.String(254)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_leads_stage", "leads", ["stage"])
    op.create_index("ix_leads_email", "leads", ["email"])
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("channel", "sender_id", name="uq_identity"),
    )
    op.create_index("ix_identities_lead_id", "identities", ["lead_id"])
    op.create_table(
        "profile_fields",
        sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "field_refusals",
        sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("conversation_id", sa.String(255), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("intent", sa.String(64)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_interactions_lead_id", "interactions", ["lead_id"])
    op.create_table(
        "consent_ledger",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_consent_ledger_lead_id", "consent_ledger", ["lead_id"])


def downgrade() -> None:
    for table in ("consent_ledger", "interactions", "field_refusals", "profile_fields", "identities", "leads"):
        op.drop_table(table)
