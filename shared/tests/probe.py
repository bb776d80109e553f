"""A probe service: the smallest service the platform mechanisms can run.

A plain module (not only a conftest) so a worker process started by a fault
test (``probe_worker.py``) runs the very same service.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, String, Table, Uuid, insert
from sqlalchemy.orm import Session

from crm_shared.db import new_metadata
from crm_shared.events import Event
from crm_shared.service import ServiceSpec

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
