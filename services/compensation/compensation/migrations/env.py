"""Alembic environment of the compensation service."""

from compensation.models import metadata
from crm_shared.migrations import run_migrations

run_migrations(metadata)
