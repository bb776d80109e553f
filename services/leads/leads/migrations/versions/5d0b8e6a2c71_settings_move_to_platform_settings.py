"""settings move to the platform table

Leads' own ``lead_settings`` (auto-qualification, the learned model, whether
the starting scoring rules were seeded) move, rows and all, into the
platform table ``platform_settings`` (platform revision b7c2e91d4f05, which
the platform stream creates before this stream runs).

Revision ID: 5d0b8e6a2c71
Revises: 88664131c4f9
Create Date: 2026-12-02 21:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db


revision: str = '5d0b8e6a2c71'
down_revision: str | None = '88664131c4f9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO platform_settings (key, value, updated_by, updated_at)"
        " SELECT key, value, NULL, updated_at FROM lead_settings"
        " WHERE key NOT IN (SELECT key FROM platform_settings)"
    )
    op.drop_table('lead_settings')


def downgrade() -> None:
    op.create_table('lead_settings',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', crm_shared.db.JSONType(), nullable=False),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_lead_settings'))
    )
    op.execute(
        "INSERT INTO lead_settings (key, value, updated_at)"
        " SELECT key, value, updated_at FROM platform_settings"
        " WHERE value IS NOT NULL AND length(key) <= 50"
    )
    op.execute("DELETE FROM platform_settings WHERE key IN (SELECT key FROM lead_settings)")
