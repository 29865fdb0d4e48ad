"""audit log: who exported or erased which lead, when, and how many rows each store held (no personal data)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("lead_id", sa.String(32)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("failed", sa.JSON, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_log_lead_id", "audit_log", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_lead_id", "audit_log")
    op.drop_table("audit_log")
