"""receivables built beside the live rows; per-customer and per-owner rollups

The balances carry the day they are as of, so the daily job builds the next
day's rows beside the live ones and switches over without holding writers
(``receivables_state.building`` and ``receivables_changes`` track the build).
``receivable_customers`` and ``receivable_totals`` are narrower rollups the
aging report reads. The kept figures are emptied here and rebuilt by the
service's bootstrap, which `migrate` runs right after upgrading; until then
the reports compute from the installments.

Revision ID: 7c3e91a4d2b6
Revises: 0145472fbe97
Create Date: 2026-12-03 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db


revision: str = '7c3e91a4d2b6'
down_revision: str | None = '0145472fbe97'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = (
    'outstanding', 'current', 'd0_30', 'd31_60', 'd61_90', 'd90_plus',
    'due_0', 'received_0', 'due_1', 'received_1', 'due_2', 'received_2', 'billed',
)


def upgrade() -> None:
    # Derived rows only: the bootstrap after `migrate` builds them again.
    op.execute('DELETE FROM receivable_balances')
    op.execute('UPDATE receivables_state SET as_of = NULL')
    with op.batch_alter_table('receivables_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('building', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ready', sa.Date(), nullable=True))
    with op.batch_alter_table('receivable_balances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=False))
        batch_op.drop_index('ix_receivable_balances_customer')
        batch_op.drop_index('ix_receivable_balances_owner')
        batch_op.create_index('ix_receivable_balances_customer', ['as_of', 'currency', 'customer_id'], unique=False)
        batch_op.create_index('ix_receivable_balances_owner', ['as_of', 'owner_id'], unique=False)
        batch_op.create_index('ix_receivable_balances_team', ['as_of', 'team_id'], unique=False)

    op.create_table('receivable_customers',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    *[sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES[:6]],
    sa.PrimaryKeyConstraint('as_of', 'customer_id', 'currency', name=op.f('pk_receivable_customers'))
    )
    op.create_index('ix_receivable_customers_top', 'receivable_customers',
                    ['as_of', 'currency', sa.text('outstanding DESC'), 'customer_id'], unique=False)
    op.create_index('ix_receivable_customers_all', 'receivable_customers',
                    ['as_of', sa.text('outstanding DESC'), 'customer_id', 'currency'], unique=False)

    op.create_table('receivable_totals',
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('team_key', sa.Uuid(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    *[sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES],
    sa.PrimaryKeyConstraint('as_of', 'owner_id', 'team_key', 'currency', name=op.f('pk_receivable_totals'))
    )
    op.create_table('receivables_changes',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('noted_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('customer_id', 'currency', name=op.f('pk_receivables_changes'))
    )


def downgrade() -> None:
    op.drop_table('receivables_changes')
    op.drop_table('receivable_totals')
    op.drop_index('ix_receivable_customers_all', table_name='receivable_customers')
    op.drop_index('ix_receivable_customers_top', table_name='receivable_customers')
    op.drop_table('receivable_customers')
    op.execute('DELETE FROM receivable_balances')
    op.execute('UPDATE receivables_state SET as_of = NULL')
    with op.batch_alter_table('receivable_balances', schema=None) as batch_op:
        batch_op.drop_index('ix_receivable_balances_team')
        batch_op.drop_index('ix_receivable_balances_owner')
        batch_op.drop_index('ix_receivable_balances_customer')
        batch_op.create_index('ix_receivable_balances_customer', ['currency', 'customer_id'], unique=False)
        batch_op.create_index('ix_receivable_balances_owner', ['owner_id'], unique=False)
        batch_op.drop_column('as_of')
    with op.batch_alter_table('receivables_state', schema=None) as batch_op:
        batch_op.drop_column('ready')
        batch_op.drop_column('building')
