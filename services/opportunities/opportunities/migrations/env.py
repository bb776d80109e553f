"""Alembic environment of the opportunities service."""

from crm_shared.migrations import run_migrations
from opportunities.models import metadata

run_migrations(metadata)
