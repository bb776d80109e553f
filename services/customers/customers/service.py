"""The customers service as the shared runtime sees it."""

from __future__ import annotations

import os
from typing import Any

from crm_shared.config import DEFAULT_PORTS, Env
from crm_shared.service import Job, ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    return {
        "far_checkin_meters": env.float("CRM_CUSTOMERS_FAR_CHECKIN_METERS", 500.0, min=1.0),
        "photo_max_bytes": env.int(
            "CRM_CUSTOMERS_PHOTO_MAX_BYTES", 5 * 1024 * 1024, min=1024, max=50 * 1024 * 1024
        ),
        "followup_reminder_minutes": env.int(
            "CRM_CUSTOMERS_FOLLOWUP_REMINDER_MINUTES", 30, min=0, max=7 * 24 * 60
        ),
        "max_import_bytes": env.int(
            "CRM_CUSTOMERS_MAX_IMPORT_BYTES", 20 * 1024 * 1024, min=1024, max=500 * 1024 * 1024
        ),
        "max_import_rows": env.int("CRM_CUSTOMERS_MAX_IMPORT_ROWS", 100_000, min=1),
        "import_chunk": env.int("CRM_CUSTOMERS_IMPORT_CHUNK", 500, min=1, max=10_000),
        "default_region": env.str(
            "CRM_CUSTOMERS_DEFAULT_REGION",
            "US",
            help="the organisation's region for phone numbers without +country",
        ),
    }


def _every(name: str, default: float) -> float:
    # Read at start-up like the rest of the worker's settings; Env reports bad values.
    env = Env(os.environ)
    value = env.float(name, default, min=0.05)
    env.check()
    return float(value)


def _blueprints():  # imported late: routes pull in the whole app
    from .api import BLUEPRINTS

    return BLUEPRINTS


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


def _recycle(db: Any, settings: Any) -> Any:
    from .recycling_runs import recycle_job

    return recycle_job(db, settings)


def _reminders(db: Any, settings: Any) -> Any:
    from .tasks import reminders_job

    return reminders_job(db, settings)


def _tiers(db: Any, settings: Any) -> Any:
    from .tier_assignment import refresh_all

    return refresh_all(db, settings)


def _imports(db: Any, settings: Any) -> Any:
    import socket

    from crm_shared.imports import run_pending

    from .customer_imports import CustomerImporter

    return run_pending(
        db,
        CustomerImporter(settings.extra["default_region"]),
        worker_id=f"{socket.gethostname()}-{os.getpid()}",
        chunk_size=settings.extra["import_chunk"],
    )


def _jobs() -> list[Job]:
    return [
        Job("recycle", _every("CRM_CUSTOMERS_RECYCLE_EVERY", 3600.0), _recycle),
        Job("reminders", _every("CRM_CUSTOMERS_REMINDERS_EVERY", 30.0), _reminders),
        Job("tiers", _every("CRM_CUSTOMERS_TIERS_EVERY", 6 * 3600.0), _tiers),
        Job("import-customers", _every("CRM_CUSTOMERS_IMPORTS_EVERY", 1.0), _imports),
    ]


SERVICE = ServiceSpec(
    name="customers",
    import_name="customers",
    title="CRM Customers",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    jobs=_jobs,
    extra_settings=_settings,
    port=DEFAULT_PORTS["customers"],
    publishes=(
        "customer.created",
        "customer.claimed",
        "customer.recycled",
        "customer.assigned",
        "customer.recycle_warning",
        "followup.logged",
        "task.reminder_due",
        "customer.tier_changed",
        "customer.erased",
        "contact.created",
        "contact.updated",
    ),
)
