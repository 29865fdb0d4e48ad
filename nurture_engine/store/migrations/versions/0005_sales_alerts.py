"""sales alerts: the alerts posted to the sales channel with their state, and a cooldown gate per lead

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sales_alerts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("lead_id", sa.String(32), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("once_key", sa.String(32)),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_by", sa.String(255)),
        sa.Column("status_at", TS),
        sa.Column("snoozed_until", TS),
        sa.Column("feedback", sa.Text),
        sa.Column("slack_channel", sa.String(64)),
        sa.Column("slack_ts", sa.String(32)),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("lead_id", "once_key", name="uq_sales_alerts_once"),
    )
    op.create_index("ix_sales_alerts_lead_id_created_at", "sales_alerts", ["lead_id", "created_at"])
    op.create_index("ix_sales_alerts_status_snoozed_until", "sales_alerts", ["status", "snoozed_until"])
    op.create_table(
        "sales_alert_gates",
        sa.Column("lead_id", sa.String(32), primary_key=True),
        sa.Column("last_alert_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sales_alert_gates")
    op.drop_index("ix_sales_alerts_status_snoozed_until", "sales_alerts")
    op.drop_index("ix_sales_alerts_lead_id_created_at", "sales_alerts")
    op.drop_table("sales_alerts")
