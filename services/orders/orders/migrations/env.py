"""Alembic environment of the orders service."""

from crm_shared.migrations import run_migrations
from orders.models import metadata

run_migrations(metadata)
