"""The opportunities service as the shared runtime sees it."""

from __future__ import annotations

import os
import socket
from typing import Any

from flask import Flask

from crm_shared.config import DEFAULT_PORTS, Env, service_url
from crm_shared.service import Job, ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    return {
        "customers_url": service_url(env, "customers"),
        # Open deals move to a customer's new owner on customer.assigned/claimed.
        "max_import_bytes": env.int(
            "CRM_OPPORTUNITIES_MAX_IMPORT_BYTES", 20 * 1024 * 1024, min=1024, max=1024**3
        ),
        "max_import_rows": env.int("CRM_OPPORTUNITIES_MAX_IMPORT_ROWS", 200_000, min=1),
        "import_chunk": env.int("CRM_OPPORTUNITIES_IMPORT_CHUNK", 500, min=1, max=10000),
        "owner_follows_customer": env.bool("CRM_OPPORTUNITIES_OWNER_FOLLOWS_CUSTOMER", True),
    }


def _blueprints() -> Any:  # imported late: routes pull in the whole app
    from .api import blueprints

    return blueprints()


def _handlers() -> Any:
    from .handlers import HANDLERS

    return HANDLERS


def _import(db: Any, settings: Any) -> int:
    from crm_shared.imports import run_pending

    from .importing import OpportunityImporter

    return run_pending(
        db,
        OpportunityImporter(),
        worker_id=f"{socket.gethostname()}-{os.getpid()}",
        chunk_size=settings.extra["import_chunk"],
    )


def _jobs() -> list[Job]:
    from . import calibration, funnel_rollup, snapshots
    from .deal_risk import refresh_all

    return [
        Job("import-opportunities", 1.0, _import),
        Job("refresh-risk", 3600.0, refresh_all),
        Job("refresh-calibration", 3600.0, calibration.refresh),
        Job("forecast-snapshot", 3600.0, snapshots.weekly),  # takes one when a week old
        # The rollup is kept in each transaction; the daily rebuild is a safety net.
        Job("rebuild-funnel", 86400.0, funnel_rollup.rebuild),
    ]


def _init_app(app: Flask) -> None:
    from crm_shared.http import ServiceClient
    from crm_shared.web import service_context

    url = service_context(app).settings.extra["customers_url"]
    app.extensions["crm.customers"] = ServiceClient("customers", url)


SERVICE = ServiceSpec(
    name="opportunities",
    import_name="opportunities",
    title="CRM Opportunities",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    jobs=_jobs,
    port=DEFAULT_PORTS["opportunities"],
    extra_settings=_settings,
    init_app=_init_app,
    publishes=("opportunity.created", "opportunity.stage_changed", "deal.won", "deal.lost"),
)
