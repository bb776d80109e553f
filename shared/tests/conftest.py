"""A probe service: the smallest service the platform mechanisms can run."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Column, String, Table, Uuid, insert
from sqlalchemy.orm import Session

from crm_shared.config import Settings
from crm_shared.db import Database, new_metadata
from crm_shared.events import Event
from crm_shared.service import ServiceSpec
from crm_shared.tables import platform_metadata

probe_metadata = new_metadata()
probe_items = Table(
    "probe_items",
    probe_metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
)


def record_item(session: Session, event: Event) -> None:
    """Store the captured lead's name; a lead named "poison" always fails."""
    if event.data["name"] == "poison":
        raise RuntimeError("this event can never be handled")
    session.execute(insert(probe_items).values(id=uuid.uuid4(), name=event.data["name"]))


PROBE = ServiceSpec(
    name="probe",
    import_name="probe",
    title="Probe",
    metadata=probe_metadata,
    blueprints=list,
    port=0,
    handlers=lambda: {"lead.captured": record_item},
)


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
