"""Every service's migrations build exactly the schema its models describe.

Run against SQLite (embedded mode) and PostgreSQL (every other mode); a
model change without its migration fails here, and so does a migration
that cannot be undone.
"""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from crm_shared.db import make_engine
from crm_shared.migrations import platform_config, service_config, upgrade
from crm_shared.service import discover
from crm_shared.tables import platform_metadata

SPECS = discover()


def differences(url: str, metadata: MetaData) -> list[Any]:
    """What the database lacks or has extra compared with ``metadata``'s own tables."""

    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        if table is None:
            return True
        if table.name not in metadata.tables:
            return False
        # Objects a table declares its migrations build per database (full-text search).
        return name not in metadata.tables[table.name].info.get("database_only", ())

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": ours}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def check(url: str, name: str) -> None:
    spec = SPECS[name]
    upgrade(spec, url)
    assert differences(url, spec.metadata) == []
    assert differences(url, platform_metadata) == []
    command.downgrade(service_config(spec, url), "base")
    command.downgrade(platform_config(url), "base")
    upgrade(spec, url)
    assert differences(url, spec.metadata) == []


@pytest.mark.parametrize("name", sorted(SPECS))
def test_migrations_match_models_on_sqlite(name, tmp_path):
    check(f"sqlite:///{tmp_path / 'schema.db'}", name)


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(SPECS))
def test_migrations_match_models_on_postgresql(name, pg_database):
    check(pg_database(name), name)
