"""contact copies from customers' events; erased customers

Revision ID: 8d2e4b6a1c57
Revises: 5c1f0a7e2b93
Create Date: 2026-12-03 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db


revision: str = '8d2e4b6a1c57'
down_revision: str | None = '5c1f0a7e2b93'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact_copies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('as_of', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_copies'))
    )
    with op.batch_alter_table('contact_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_copies_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_copies_email'), ['email'], unique=False)
    with op.batch_alter_table('customer_refs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('customer_refs', schema=None) as batch_op:
        batch_op.drop_column('erased')
    with op.batch_alter_table('contact_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_copies_email'))
        batch_op.drop_index(batch_op.f('ix_contact_copies_customer_id'))

    op.drop_table('contact_copies')
