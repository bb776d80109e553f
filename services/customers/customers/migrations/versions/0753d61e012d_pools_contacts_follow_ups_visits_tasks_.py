"""pools, contacts, follow-ups, visits, tasks, tiers and event-fed copies

Revision ID: 0753d61e012d
Revises: c57433179057
Create Date: 2026-11-23 12:35:47.351946
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import crm_shared.db

# The pool every existing and new customer starts in (customers.models.DEFAULT_POOL_ID).
DEFAULT_POOL_ID = uuid.UUID("5f0c7a52-3d1e-5b0e-9c1a-0d6f2c1b7e01")

revision: str = '0753d61e012d'
down_revision: str | None = 'c57433179057'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    op.create_table('opportunity_copies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('amount', crm_shared.db.Money(precision=20, scale=4), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('won_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lost_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lost_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_copies'))
    )
    with op.batch_alter_table('opportunity_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_copies_customer_id'), ['customer_id'], unique=False)

    op.create_table('order_copies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('opportunity_id', sa.Uuid(), nullable=True),
    sa.Column('amount', crm_shared.db.Money(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_copies'))
    )
    with op.batch_alter_table('order_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_copies_customer_id'), ['customer_id'], unique=False)

    op.create_table('ownership_limits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('subject', sa.String(length=50), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('max_owned', sa.Integer(), nullable=False),
    sa.Column('include_won', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ownership_limits')),
    sa.UniqueConstraint('subject', name=op.f('uq_ownership_limits_subject'))
    )
    op.create_table('payment_copies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('amount', crm_shared.db.Money(precision=20, scale=4), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('received_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_copies'))
    )
    with op.batch_alter_table('payment_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_copies_customer_id'), ['customer_id'], unique=False)

    op.create_table('pools',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('open_to_all', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('hidden_fields', crm_shared.db.JSONType(), nullable=False),
    sa.Column('rules', crm_shared.db.JSONType(), nullable=False),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pools')),
    sa.UniqueConstraint('name', name=op.f('uq_pools_name'))
    )
    pools = sa.table(
        'pools',
        sa.column('id', sa.Uuid()),
        sa.column('name', sa.String()),
        sa.column('description', sa.Text()),
        sa.column('is_default', sa.Boolean()),
        sa.column('open_to_all', sa.Boolean()),
        sa.column('hidden_fields', crm_shared.db.JSONType()),
        sa.column('rules', crm_shared.db.JSONType()),
        sa.column('created_at', crm_shared.db.UTCDateTime()),
        sa.column('updated_at', crm_shared.db.UTCDateTime()),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        pools,
        [
            {
                'id': DEFAULT_POOL_ID,
                'name': 'Public pool',
                'description': 'Every rep and manager may see and claim its customers.',
                'is_default': True,
                'open_to_all': True,
                'hidden_fields': [],
                'rules': {},  # empty: the rules' defaults (customers.recycling.PoolRules)
                'created_at': now,
                'updated_at': now,
            }
        ],
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', crm_shared.db.JSONType(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('ticket_copies',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('opened_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_copies'))
    )
    with op.batch_alter_table('ticket_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_copies_customer_id'), ['customer_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sa.String(length=150), nullable=False),
    sa.Column('roles', crm_shared.db.JSONType(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_team_id'), ['team_id'], unique=False)

    op.create_table('pool_members',
    sa.Column('pool_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('member_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['pool_id'], ['pools.id'], name=op.f('fk_pool_members_pool_id_pools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pool_id', 'kind', 'member_id', name=op.f('pk_pool_members'))
    )
    with op.batch_alter_table('pool_members', schema=None) as batch_op:
        batch_op.create_index('ix_pool_members_member', ['member_id'], unique=False)

    op.create_table('collaborators',
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('added_by', sa.Uuid(), nullable=True),
    sa.Column('added_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_collaborators_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'user_id', name=op.f('pk_collaborators'))
    )
    with op.batch_alter_table('collaborators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collaborators_user_id'), ['user_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_contacts_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_customer', ['customer_id', 'created_at'], unique=False)
        batch_op.create_index('uq_contacts_primary', ['customer_id'], unique=True, sqlite_where=sa.text('is_primary'), postgresql_where=sa.text('is_primary'))

    op.create_table('tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('customer_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('due_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('remind_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('followup_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tasks_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_tasks_owner_due', ['owner_id', 'due_at'], unique=False)
        batch_op.create_index('ix_tasks_remind', ['remind_at', 'reminded_at'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('rep_id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('check_in_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('check_in_latitude', sa.Float(), nullable=False),
    sa.Column('check_in_longitude', sa.Float(), nullable=False),
    sa.Column('check_in_accuracy_m', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('far_from_address', sa.Boolean(), nullable=False),
    sa.Column('check_out_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('check_out_latitude', sa.Float(), nullable=True),
    sa.Column('check_out_longitude', sa.Float(), nullable=True),
    sa.Column('purpose', sa.String(length=300), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('photo_file_id', sa.Uuid(), nullable=True),
    sa.Column('photo_content_type', sa.String(length=50), nullable=True),
    sa.Column('followup_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_visits_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_customer_check_in', ['customer_id', 'check_in_at'], unique=False)
        batch_op.create_index('ix_visits_rep_check_in', ['rep_id', 'check_in_at'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=True),
    sa.Column('occurred_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_followup_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('author_id', sa.Uuid(), nullable=False),
    sa.Column('team_id', sa.Uuid(), nullable=True),
    sa.Column('visit_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', crm_shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_followups_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_followups_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index('ix_followups_author_occurred', ['author_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_followups_customer_occurred', ['customer_id', 'occurred_at'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('industry', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('size', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('address_line', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('postal_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('tags', crm_shared.db.JSONType(), nullable=True))
        batch_op.add_column(sa.Column('custom_fields', crm_shared.db.JSONType(), nullable=True))
        batch_op.add_column(sa.Column('score', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pool_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('previous_owner_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('locked_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_followup_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_followup_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_opportunity_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_won_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('open_opportunities', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('won_deals', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('value', crm_shared.db.Money(precision=20, scale=4), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tier', sa.String(length=20), server_default='potential', nullable=False))
        batch_op.add_column(sa.Column('tier_explanation', crm_shared.db.JSONType(), nullable=True))
        batch_op.add_column(sa.Column('tier_computed_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recycle_due_at', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recycle_rule', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('recycle_warned_for', crm_shared.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_customers_lat_lon', ['latitude', 'longitude'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_pool_id'), ['pool_id'], unique=False)
        batch_op.create_index('ix_customers_pool_owner', ['pool_id', 'owner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_customers_pool_id_pools'), 'pools', ['pool_id'], ['id'])

    # Existing customers join the default pool with empty tags and custom fields.
    customers = sa.table(
        'customers',
        sa.column('pool_id', sa.Uuid()),
        sa.column('tags', crm_shared.db.JSONType()),
        sa.column('custom_fields', crm_shared.db.JSONType()),
    )
    op.execute(customers.update().values(pool_id=DEFAULT_POOL_ID, tags=[], custom_fields={}))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.alter_column('tags', existing_type=crm_shared.db.JSONType(), nullable=False)
        batch_op.alter_column('custom_fields', existing_type=crm_shared.db.JSONType(), nullable=False)
        batch_op.alter_column('pool_id', existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table('ownership_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool_id', sa.Uuid(), nullable=True))
        batch_op.create_index('ix_ownership_changes_actor_action_at', ['actor_id', 'action', 'at'], unique=False)
        batch_op.create_index('ix_ownership_changes_pool_at', ['pool_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ownership_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_ownership_changes_pool_at')
        batch_op.drop_index('ix_ownership_changes_actor_action_at')
        batch_op.drop_column('pool_id')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customers_pool_id_pools'), type_='foreignkey')
        batch_op.drop_index('ix_customers_pool_owner')
        batch_op.drop_index(batch_op.f('ix_customers_pool_id'))
        batch_op.drop_index('ix_customers_lat_lon')
        batch_op.drop_column('version')
        batch_op.drop_column('recycle_warned_for')
        batch_op.drop_column('recycle_rule')
        batch_op.drop_column('recycle_due_at')
        batch_op.drop_column('tier_computed_at')
        batch_op.drop_column('tier_explanation')
        batch_op.drop_column('tier')
        batch_op.drop_column('value')
        batch_op.drop_column('won_deals')
        batch_op.drop_column('open_opportunities')
        batch_op.drop_column('last_won_at')
        batch_op.drop_column('last_opportunity_at')
        batch_op.drop_column('next_followup_at')
        batch_op.drop_column('last_followup_at')
        batch_op.drop_column('locked_at')
        batch_op.drop_column('locked')
        batch_op.drop_column('previous_owner_id')
        batch_op.drop_column('pool_id')
        batch_op.drop_column('score')
        batch_op.drop_column('custom_fields')
        batch_op.drop_column('tags')
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
        batch_op.drop_column('country')
        batch_op.drop_column('postal_code')
        batch_op.drop_column('city')
        batch_op.drop_column('address_line')
        batch_op.drop_column('size')
        batch_op.drop_column('region')
        batch_op.drop_column('industry')

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_customer_occurred')
        batch_op.drop_index('ix_followups_author_occurred')

    op.drop_table('followups')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_rep_check_in')
        batch_op.drop_index('ix_visits_customer_check_in')

    op.drop_table('visits')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_remind')
        batch_op.drop_index('ix_tasks_owner_due')
        batch_op.drop_index(batch_op.f('ix_tasks_customer_id'))

    op.drop_table('tasks')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('uq_contacts_primary', sqlite_where=sa.text('is_primary'), postgresql_where=sa.text('is_primary'))
        batch_op.drop_index('ix_contacts_customer')

    op.drop_table('contacts')
    with op.batch_alter_table('collaborators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collaborators_user_id'))

    op.drop_table('collaborators')
    with op.batch_alter_table('pool_members', schema=None) as batch_op:
        batch_op.drop_index('ix_pool_members_member')

    op.drop_table('pool_members')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_team_id'))

    op.drop_table('users')
    with op.batch_alter_table('ticket_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_copies_customer_id'))

    op.drop_table('ticket_copies')
    op.drop_table('settings')
    op.drop_table('pools')
    with op.batch_alter_table('payment_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_copies_customer_id'))

    op.drop_table('payment_copies')
    op.drop_table('ownership_limits')
    with op.batch_alter_table('order_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_copies_customer_id'))

    op.drop_table('order_copies')
    with op.batch_alter_table('opportunity_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_copies_customer_id'))

    op.drop_table('opportunity_copies')
    op.drop_table('calendar_feeds')
