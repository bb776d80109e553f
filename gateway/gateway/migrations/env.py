"""Alembic environment of the gateway."""

from crm_shared.migrations import run_migrations
from gateway.models import metadata

run_migrations(metadata)
