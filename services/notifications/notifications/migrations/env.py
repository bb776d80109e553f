"""Alembic environment of the notifications service."""

from crm_shared.migrations import run_migrations
from notifications.models import metadata

run_migrations(metadata)
