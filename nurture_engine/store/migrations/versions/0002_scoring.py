"""scoring: message count, stage history, consumer offsets, processed events, lead merges

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _lead_fk() -> sa.Column:
    return sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("leads") as leads:
        leads.add_column(sa.Column("message_count", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_identities_sender_id", "identities", ["sender_id"])
    op.create_table(
        "stage_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _lead_fk(),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_stage_history_lead_id", "stage_history", ["lead_id"])
    op.create_table(
        "consumer_offsets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_key", sa.String(128), primary_key=True),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "lead_merges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("into_lead_id", sa.String(32), nullable=False),
        sa.Column("from_lead_id", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_lead_merges_into_lead_id", "lead_merges", ["into_lead_id"])


def downgrade() -> None:
    op.drop_index("ix_identities_sender_id", "identities")
    with op.batch_alter_table("leads") as leads:
        leads.drop_column("message_count")
    for table in ("lead_merges", "processed_events", "consumer_offsets", "stage_history"):
        op.drop_table(table)
