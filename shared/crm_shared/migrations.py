"""Alembic, run the same way for every service.

Two migration streams live in each service's database:

- the platform's (outbox, inbox, idempotency keys), kept here in
  ``crm_shared/platform_migrations`` with its own version table, so a change
  to a shared mechanism ships once, with the mechanism;
- the service's own, in ``<package>/migrations`` (inside the package so it
  ships with it), whose ``env.py`` is one call to :func:`run_migrations`.

:func:`upgrade` creates the database if missing and runs both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text

from .db import ensure_database, make_engine
from .service import ServiceSpec

PLATFORM_SCRIPTS = "crm_shared:platform_migrations"
PLATFORM_VERSION_TABLE = "crm_platform_version"


def _config(script_location: str, url: str, version_table: str) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    # ConfigParser treats % as interpolation; URLs may contain encoded chars.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["version_table"] = version_table
    return config


def platform_config(url: str) -> Config:
    """Alembic config of the platform tables' stream."""
    return _config(PLATFORM_SCRIPTS, url, PLATFORM_VERSION_TABLE)


def service_config(spec: ServiceSpec, url: str) -> Config:
    """Alembic config of ``spec``'s own tables' stream."""
    return _config(spec.migrations, url, "alembic_version")


@contextmanager
def _migration_lock(url: str, name: str) -> Iterator[None]:
    # Many replicas may start at once (each pod runs migrate first); on
    # PostgreSQL they queue on an advisory lock so one migrates at a time.
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        key = int.from_bytes(
            hashlib.sha256(f"migrate:{name}".encode()).digest()[:8], "big", signed=True
        )
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        engine.dispose()


def upgrade(spec: ServiceSpec, url: str) -> None:
    """Create the database if missing and migrate both streams to their newest revision."""
    ensure_database(url)
    with _migration_lock(url, spec.name):
        command.upgrade(platform_config(url), "head")
        command.upgrade(service_config(spec, url), "head")


def revision(spec: ServiceSpec, url: str, message: str) -> None:
    """Write a new service migration from the difference between its models and ``url``."""
    upgrade(spec, url)
    command.revision(service_config(spec, url), message=message, autogenerate=True)


def _only_own_tables(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    # The other stream's tables are in the same database; never propose dropping them.
    return not (type_ == "table" and reflected and compare_to is None)


def run_migrations(metadata: MetaData) -> None:
    """Body of an Alembic ``env.py``: migrate online, tracking ``metadata``'s tables."""
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migration")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                version_table=config.attributes.get("version_table", "alembic_version"),
                include_object=_only_own_tables,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
