"""The leads service as the shared runtime sees it."""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask

from crm_shared.config import DEFAULT_PORTS, Env
from crm_shared.service import Job, ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    return {
        "default_region": env.str(
            "CRM_LEADS_DEFAULT_REGION", "US", help="region for phone numbers without +country"
        ).upper(),
        "max_import_bytes": env.int(
            "CRM_LEADS_MAX_IMPORT_BYTES", 50 * 1024 * 1024, min=1024, max=1024**3
        ),
        "max_import_rows": env.int("CRM_LEADS_MAX_IMPORT_ROWS", 500_000, min=1),
        "max_batch_bytes": env.int("CRM_LEADS_MAX_BATCH_BYTES", 4 * 1024 * 1024, min=1024),
        # Requests served at once per web process; more only share its
        # interpreter lock. Beyond it a request waits up to max_slot_wait_ms.
        "max_in_flight": env.int("CRM_LEADS_MAX_IN_FLIGHT", 64, min=0),
        "max_slot_wait_ms": env.int("CRM_LEADS_MAX_SLOT_WAIT_MS", 0, min=0),
        # A capture that waited this long for a thread is refused (503, Retry-After).
        "max_queue_ms": env.int("CRM_LEADS_MAX_QUEUE_MS", 500, min=0),
        # While every capture of the last 100 ms waited this long, refuse at 5x it.
        "queue_target_ms": env.int("CRM_LEADS_QUEUE_TARGET_MS", 10, min=0),
        "process_every": env.float("CRM_LEADS_PROCESS_EVERY", 0.2, min=0.01),
        "import_chunk": env.int("CRM_LEADS_IMPORT_CHUNK", 1000, min=1, max=10000),
    }


def _blueprints():  # imported late: routes pull in the whole app
    from .api import BLUEPRINTS

    return BLUEPRINTS


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


def _init_app(app: Flask) -> None:
    from crm_shared.web import install_overload_guard, service_context

    extra = service_context(app).settings.extra
    install_overload_guard(
        app,
        extra["max_in_flight"],
        max_queue_seconds=extra["max_queue_ms"] / 1000,
        queue_target_seconds=extra["queue_target_ms"] / 1000,
        slot_wait_seconds=extra["max_slot_wait_ms"] / 1000,
    )


def _import_leads(db: Any, settings: Any) -> int:
    from crm_shared.imports import run_pending

    from .importing import LeadImporter

    return run_pending(
        db,
        LeadImporter(settings.extra["default_region"]),
        worker_id=f"{socket.gethostname()}-{os.getpid()}",
        chunk_size=settings.extra["import_chunk"],
    )


def _jobs() -> list[Job]:
    from .assignment import reassign_overdue
    from .members import refresh_member_stats
    from .triage import process_all

    every = float(os.environ.get("CRM_LEADS_PROCESS_EVERY", "0.2") or 0.2)
    return [
        Job("process-leads", every, process_all),
        Job("import-leads", 1.0, _import_leads),
        Job("reassign-overdue", 30.0, reassign_overdue),
        Job("member-stats", 300.0, refresh_member_stats),
    ]


def _derive_events(db: Any) -> int:
    from .capture_events import derive_pending

    return derive_pending(db, until_done=False)  # one batch per relay round


def _bootstrap(db: Any, settings: Any) -> None:
    from .scoring import seed_scoring_rules

    with db.transaction() as session:
        seed_scoring_rules(session)


SERVICE = ServiceSpec(
    name="leads",
    import_name="leads",
    title="CRM Leads",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    jobs=_jobs,
    port=DEFAULT_PORTS["leads"],
    extra_settings=_settings,
    init_app=_init_app,
    bootstrap=_bootstrap,
    derive_events=_derive_events,  # captured leads are their own outbox entries
    publishes=(
        "lead.captured",
        "lead.assigned",
        "lead.qualified",
        "lead.disqualified",
        "lead.erased",
    ),
    jobs_apart=True,  # imports and scoring must not slow the relay (or the reverse)
)
