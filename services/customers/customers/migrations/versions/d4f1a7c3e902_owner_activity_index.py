"""a rep's own customers by last activity: one index in list order

Revision ID: d4f1a7c3e902
Revises: d41f7c2a9e10
Create Date: 2026-12-03 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f1a7c3e902"
down_revision: str | None = "d41f7c2a9e10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_customers_owner_activity",
        "customers",
        [
            "owner_id",
            sa.text("coalesce(last_followup_at, created_at) DESC"),
            sa.text("id DESC"),
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_customers_owner_activity", table_name="customers")
