"""SLA settings revision: ticket lists learn it with their rows and keep what they built per revision

Revision ID: f1a7c3d9e8b2
Revises: 8d2e4b6a1c57
Create Date: 2026-12-03 12:55:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'f1a7c3d9e8b2'
down_revision: str | None = '8d2e4b6a1c57'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    settings = op.create_table('sla_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('revision', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_settings'))
    )
    # A random revision per database: what a process built for another one never matches.
    op.bulk_insert(settings, [{'id': 1, 'revision': uuid.uuid4()}])


def downgrade() -> None:
    op.drop_table('sla_settings')
