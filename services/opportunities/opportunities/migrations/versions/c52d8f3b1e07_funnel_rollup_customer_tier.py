"""funnel rollup, customer tier and erasure

Revision ID: c52d8f3b1e07
Revises: b41c7e2a9d10
Create Date: 2026-12-03 06:20:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import crm_shared.db

revision: str = "c52d8f3b1e07"
down_revision: str | None = "b41c7e2a9d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(moment: datetime):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).date()


def _backfill() -> None:
    """The rollup of the existing history (a copy of funnel_rollup.compute: migrations never
    import the application, which changes after this revision is released)."""
    bind = op.get_bind()
    opportunities = sa.table(
        "opportunities",
        sa.column("id", sa.Uuid()),
        sa.column("pipeline_id", sa.Uuid()),
        sa.column("team_id", sa.Uuid()),
        sa.column("created_at", crm_shared.db.UTCDateTime()),
    )
    history = sa.table(
        "stage_history",
        sa.column("opportunity_id", sa.Uuid()),
        sa.column("to_stage_id", sa.Uuid()),
        sa.column("entered_at", crm_shared.db.UTCDateTime()),
        sa.column("left_at", crm_shared.db.UTCDateTime()),
    )
    columns = ("pipeline_id", "grain", "day", "team_id", "stage_id")
    kinds = {"grain": sa.String(), "day": sa.Date()}
    reached_table = sa.table(
        "funnel_reached",
        sa.column("id", sa.Uuid()),
        *(sa.column(c, kinds.get(c, sa.Uuid())) for c in columns),
        sa.column("deals", sa.Integer()),
    )
    stays_table = sa.table(
        "funnel_stays",
        sa.column("id", sa.Uuid()),
        *(sa.column(c, kinds.get(c, sa.Uuid())) for c in columns),
        sa.column("days", sa.Integer()),
        sa.column("stays", sa.Integer()),
    )
    reached: dict[tuple, set] = {}
    stays: dict[tuple, int] = {}
    rows = bind.execute(
        sa.select(
            opportunities.c.pipeline_id,
            opportunities.c.created_at,
            opportunities.c.team_id,
            history.c.opportunity_id,
            history.c.to_stage_id,
            history.c.entered_at,
            history.c.left_at,
        ).join(history, history.c.opportunity_id == opportunities.c.id)
    )
    for pipeline, created, team, deal_id, stage, entered, left in rows:
        day = _day(created)
        for key in ((pipeline, "all", day, None, stage), (pipeline, "team", day, team, stage)):
            reached.setdefault(key, set()).add(deal_id)
            if left is not None:
                days = max(0, int((left - entered).total_seconds() // 86400))
                stays[(*key, days)] = stays.get((*key, days), 0) + 1
    batch = [
        {"id": uuid.uuid4(), **dict(zip(columns, k)), "deals": len(v)} for k, v in reached.items()
    ]
    for i in range(0, len(batch), 5000):
        bind.execute(sa.insert(reached_table), batch[i : i + 5000])
    batch = [
        {"id": uuid.uuid4(), **dict(zip(columns, k[:5])), "days": k[5], "stays": n}
        for k, n in stays.items()
    ]
    for i in range(0, len(batch), 5000):
        bind.execute(sa.insert(stays_table), batch[i : i + 5000])


def upgrade() -> None:
    op.create_table(
        "funnel_reached",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("grain", sa.String(length=4), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funnel_reached")),
    )
    with op.batch_alter_table("funnel_reached", schema=None) as batch_op:
        batch_op.create_index(
            "ix_funnel_reached_pipeline_grain_day", ["pipeline_id", "grain", "day"], unique=False
        )
    op.create_table(
        "funnel_stays",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("grain", sa.String(length=4), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("stays", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funnel_stays")),
    )
    with op.batch_alter_table("funnel_stays", schema=None) as batch_op:
        batch_op.create_index(
            "ix_funnel_stays_pipeline_grain_day", ["pipeline_id", "grain", "day"], unique=False
        )
    with op.batch_alter_table("customer_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("tier_changed_at", crm_shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("erased_at", crm_shared.db.UTCDateTime(timezone=True), nullable=True)
        )
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("customer_states", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("tier_changed_at")
        batch_op.drop_column("tier")
    with op.batch_alter_table("funnel_stays", schema=None) as batch_op:
        batch_op.drop_index("ix_funnel_stays_pipeline_grain_day")
    op.drop_table("funnel_stays")
    with op.batch_alter_table("funnel_reached", schema=None) as batch_op:
        batch_op.drop_index("ix_funnel_reached_pipeline_grain_day")
    op.drop_table("funnel_reached")
