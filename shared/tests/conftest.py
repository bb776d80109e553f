"""Fixtures of the platform's own tests, around the probe service (probe.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm_shared.config import Settings
from crm_shared.db import Database
from crm_shared.tables import platform_metadata

from .probe import PROBE, probe_items, probe_metadata, record_item

__all__ = ["PROBE", "probe_items", "probe_metadata", "record_item"]


@pytest.fixture
def probe_settings() -> Callable[..., Settings]:
    def make(database_url: str, broker_url: str, namespace: str, **overrides) -> Settings:
        return Settings(
            service="probe",
            database_url=database_url,
            broker_url=broker_url,
            jwks_url="file:///dev/null",
            jwt_issuer="crm-gateway",
            jwt_audience="crm",
            bus_namespace=namespace,
            delivery_limit=overrides.pop("delivery_limit", 2),
            relay_idle_seconds=0.01,
            **overrides,
        )

    return make


@pytest.fixture
def probe_db() -> Callable[[str], Database]:
    made: list[Database] = []

    def make(url: str) -> Database:
        db = Database(url, service="probe")
        platform_metadata.create_all(db.engine)
        probe_metadata.create_all(db.engine)
        made.append(db)
        return db

    yield make
    for db in made:
        db.dispose()
