"""follow-ups: sequence enrollments, follow-up rows, lead owner and time zone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _lead_fk() -> sa.Column:
    return sa.Column("lead_id", sa.String(32), sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("leads") as leads:
        leads.add_column(sa.Column("owner", sa.String(255)))
        leads.add_column(sa.Column("owner_at", TS))
        leads.add_column(sa.Column("timezone", sa.String(64)))
    op.create_table(
        "enrollments",
        sa.Column("id", sa.String(32), primary_key=True),
        _lead_fk(),
        sa.Column("sequence", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("exit_reason", sa.Text),
        sa.Column("entered_at", TS, nullable=False),
        sa.Column("exited_at", TS),
        sa.Column("last_sent_at", TS),
        sa.UniqueConstraint("lead_id", "sequence", name="uq_enrollment"),
    )
    op.create_index("ix_enrollments_lead_id", "enrollments", ["lead_id"])
    op.create_table(
        "followups",
        sa.Column("id", sa.String(32), primary_key=True),
        _lead_fk(),
        sa.Column("enrollment_id", sa.String(32), sa.ForeignKey("enrollments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("sequence", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("variant", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("claim_token", sa.String(32)),
        sa.Column("lease_until", TS),
        sa.Column("sent_at", TS),
        sa.Column("text", sa.Text),
    )
    op.create_index("ix_followups_lead_id", "followups", ["lead_id"])
    op.create_index("ix_followups_enrollment_id", "followups", ["enrollment_id"])
    op.create_index("ix_followups_due", "followups", ["status", "due_at"])


def downgrade() -> None:
    op.drop_table("followups")
    op.drop_table("enrollments")
    with op.batch_alter_table("leads") as leads:
        leads.drop_column("timezone")
        leads.drop_column("owner_at")
        leads.drop_column("owner")
