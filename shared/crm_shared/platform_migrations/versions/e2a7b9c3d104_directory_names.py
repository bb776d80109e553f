"""users' display names and e-mail addresses in the directory copy

Revision ID: e2a7b9c3d104
Revises: b7c2e91d4f05
Create Date: 2026-12-03 12:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2a7b9c3d104"
down_revision: str | None = "b7c2e91d4f05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("directory_users") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("directory_users") as batch:
        batch.drop_column("email")
        batch.drop_column("display_name")
