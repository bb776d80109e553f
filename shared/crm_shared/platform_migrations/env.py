"""Alembic environment of the platform tables (outbox, inbox, idempotency keys)."""

from crm_shared.migrations import run_migrations
from crm_shared.tables import platform_metadata

run_migrations(platform_metadata)
