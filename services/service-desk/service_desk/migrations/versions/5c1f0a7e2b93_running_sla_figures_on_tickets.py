"""running SLA figures on tickets

Revision ID: 5c1f0a7e2b93
Revises: b5fe490203ea
Create Date: 2026-12-03 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '5c1f0a7e2b93'
down_revision: str | None = 'b5fe490203ea'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tickets opened before this have none: their clocks come from the history
    # until their next event (or the SLA job) folds them.
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_figures', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('sla_figures')
