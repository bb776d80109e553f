"""platform settings

Revision ID: b7c2e91d4f05
Revises: c6ec65eaf6eb
Create Date: 2026-12-02 20:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db


revision: str = 'b7c2e91d4f05'
down_revision: str | None = 'c6ec65eaf6eb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('platform_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', crm_shared.db.JSONType(), nullable=True),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_platform_settings'))
    )


def downgrade() -> None:
    op.drop_table('platform_settings')
