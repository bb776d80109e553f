"""a captured lead row is its own outbox entry until the relay derives its event

Revision ID: b7e2d4c91f05
Revises: a3f1c9d27e40
Create Date: 2026-12-03 12:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e2d4c91f05"
down_revision: str | None = "a3f1c9d27e40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(
            sa.Column("capture_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Small and hot: only leads whose lead.captured is not derived yet.
    op.create_index(
        "ix_leads_capture_pending",
        "leads",
        ["created_at"],
        postgresql_where=sa.text("capture_pending"),
        sqlite_where=sa.text("capture_pending"),
    )


def downgrade() -> None:
    op.drop_index("ix_leads_capture_pending", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("capture_pending")
