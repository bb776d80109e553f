"""erased subjects: tombstones of erased customers, contacts and leads

Revision ID: 3f6b9d2e8a14
Revises: 7738251763ad
Create Date: 2026-12-03 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db


revision: str = '3f6b9d2e8a14'
down_revision: str | None = '7738251763ad'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('erased_subjects',
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('erased_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_id', name=op.f('pk_erased_subjects'))
    )


def downgrade() -> None:
    op.drop_table('erased_subjects')
