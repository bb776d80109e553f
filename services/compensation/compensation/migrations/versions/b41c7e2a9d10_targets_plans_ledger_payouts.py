"""targets, periods, commission plans, deals, ledger and payouts

Revision ID: b41c7e2a9d10
Revises: 9f7d56f15d32
Create Date: 2026-12-02 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db

revision: str = "b41c7e2a9d10"
down_revision: str | None = "9f7d56f15d32"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = crm_shared.db.UTCDateTime(timezone=True)
MONEY = crm_shared.db.Money(precision=20, scale=4)
JSON = crm_shared.db.JSONType()


def upgrade() -> None:
    with op.batch_alter_table("performance_facts") as batch:
        batch.add_column(sa.Column("event_period", sa.String(7), nullable=True))
        batch.add_column(
            sa.Column("adjustment", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("opportunity_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_performance_facts_team_period", ["team_id", "period"])

    op.create_table(
        "periods",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
    )
    op.create_table(
        "targets",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("subject_kind", sa.String(10), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("metric", sa.String(30), nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("target", MONEY, nullable=False),
        sa.Column("stretch", MONEY, nullable=True),
        sa.Column("challenge", MONEY, nullable=True),
        sa.Column("source", sa.String(15), nullable=False),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("declared", JSON, nullable=True),
        sa.Column("adjustment_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index(
        "ix_targets_subject", "targets", ["subject_kind", "subject_id", "period", "metric"]
    )
    op.create_index("ix_targets_team_period", "targets", ["team_id", "period"])
    op.create_table(
        "commission_plans",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("base", sa.String(10), nullable=False),
        sa.Column("tiers", JSON, nullable=False),
        sa.Column("cap", MONEY, nullable=True),
        sa.Column("product_rates", JSON, nullable=False),
        sa.Column("clawback_window_days", sa.Integer(), nullable=False),
        sa.Column("scorecard", JSON, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "deals",
        sa.Column("opportunity_id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("lines", JSON, nullable=False),
        sa.Column("splits", JSON, nullable=True),
        sa.Column("won_at", UTC, nullable=True),
    )
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("base_amount", MONEY, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=True),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("source_type", sa.String(40), nullable=False),
        sa.Column("source_event_id", sa.String(64), nullable=True),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("payout_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("kind", "ref_id", "owner_id", name="uq_ledger_lines_kind_ref_owner"),
    )
    op.create_index("ix_ledger_lines_owner_period", "ledger_lines", ["owner_id", "period"])
    op.create_index("ix_ledger_lines_period", "ledger_lines", ["period"])
    op.create_table(
        "payouts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
    )
    op.create_index("ix_payouts_owner_period", "payouts", ["owner_id", "period"])


def downgrade() -> None:
    for table in ("payouts", "ledger_lines", "deals", "commission_plans", "targets", "periods"):
        op.drop_table(table)
    with op.batch_alter_table("performance_facts") as batch:
        batch.drop_index("ix_performance_facts_team_period")
        batch.drop_column("opportunity_id")
        batch.drop_column("adjustment")
        batch.drop_column("event_period")
