"""the recycling rule behind a recycled ownership change, for pool analysis

Revision ID: d41f7c2a9e10
Revises: d3a9c0e7b512
Create Date: 2026-12-03 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d41f7c2a9e10"
down_revision: str | None = "d3a9c0e7b512"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ownership_changes") as batch:
        batch.add_column(sa.Column("rule", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ownership_changes") as batch:
        batch.drop_column("rule")
