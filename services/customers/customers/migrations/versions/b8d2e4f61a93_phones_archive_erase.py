"""unverified phones, archived and erased customers, lookup indexes, ratings copies

Revision ID: b8d2e4f61a93
Revises: 0753d61e012d
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_shared.db

revision: str = "b8d2e4f61a93"
down_revision: str | None = "0753d61e012d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(
            sa.Column("phone_verified", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("archived_at", crm_shared.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("erased_at", crm_shared.db.UTCDateTime(), nullable=True))
    op.create_index("ix_customers_email", "customers", ["email"])
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_index("ix_contacts_phone", "contacts", ["phone"])
    with op.batch_alter_table("ticket_copies") as batch:
        batch.add_column(sa.Column("rated_at", crm_shared.db.UTCDateTime(), nullable=True))
    op.create_table(
        "credit_rating_copies",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=False),
        sa.Column("figures", crm_shared.db.JSONType(), nullable=False),
        sa.Column("rated_at", crm_shared.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_credit_rating_copies")),
    )


def downgrade() -> None:
    op.drop_table("credit_rating_copies")
    with op.batch_alter_table("ticket_copies") as batch:
        batch.drop_column("rated_at")
    op.drop_index("ix_contacts_phone", table_name="contacts")
    op.drop_index("ix_customers_phone", table_name="customers")
    op.drop_index("ix_customers_email", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("archived_at")
        batch.drop_column("phone_verified")
