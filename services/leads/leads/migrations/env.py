"""Alembic environment of the leads service."""

from crm_shared.migrations import run_migrations
from leads.models import metadata

run_migrations(metadata)
