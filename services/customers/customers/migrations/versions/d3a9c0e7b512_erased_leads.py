"""erased leads whose customer did not exist yet

Revision ID: d3a9c0e7b512
Revises: b8d2e4f61a93
Create Date: 2026-12-03 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db

revision: str = "d3a9c0e7b512"
down_revision: str | None = "b8d2e4f61a93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_leads",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("erased_at", crm_shared.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_erased_leads")),
    )


def downgrade() -> None:
    op.drop_table("erased_leads")
