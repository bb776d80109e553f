"""Alembic environment of the service-desk service."""

from crm_shared.migrations import run_migrations
from service_desk.models import metadata

run_migrations(metadata)
