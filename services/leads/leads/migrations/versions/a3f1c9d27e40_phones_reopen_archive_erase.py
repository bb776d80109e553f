"""unverified phones, reopened, archived and erased leads

Revision ID: a3f1c9d27e40
Revises: 5d0b8e6a2c71
Create Date: 2026-12-03 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db

revision: str = "a3f1c9d27e40"
down_revision: str | None = "5d0b8e6a2c71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(
            sa.Column("phone_verified", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("reopened_at", crm_shared.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("archived_at", crm_shared.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("erased_at", crm_shared.db.UTCDateTime(), nullable=True))
    op.create_index("ix_leads_mobile", "leads", ["mobile"])


def downgrade() -> None:
    op.drop_index("ix_leads_mobile", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("archived_at")
        batch.drop_column("reopened_at")
        batch.drop_column("phone_verified")
