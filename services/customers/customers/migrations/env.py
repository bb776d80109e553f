"""Alembic environment of the customers service."""

from crm_shared.migrations import run_migrations
from customers.models import metadata

run_migrations(metadata)
