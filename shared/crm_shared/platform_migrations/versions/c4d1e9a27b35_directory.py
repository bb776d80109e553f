"""directory of users and teams

Revision ID: c4d1e9a27b35
Revises: 77d6eaf93515
Create Date: 2026-12-02 20:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db


revision: str = 'c4d1e9a27b35'
down_revision: str | None = '77d6eaf93515'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('directory_users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('roles', crm_shared.db.JSONType(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tokens_valid_after', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_users'))
    )
    op.create_table('directory_teams',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=True),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_teams'))
    )


def downgrade() -> None:
    op.drop_table('directory_teams')
    op.drop_table('directory_users')
