"""The probe as a web app gunicorn loads (``probe_web:create_app()``), for real-process tests."""

from __future__ import annotations

import os
import time

from flask import Flask
from probe import probe_metadata  # type: ignore[import-not-found]

from crm_shared.service import ServiceSpec
from crm_shared.tables import platform_metadata
from crm_shared.web import Blueprint, create_service_app, install_overload_guard, public

blp = Blueprint("probe_web", __name__, url_prefix="/api/v1/probe")


@blp.get("/pid")
@public
def pid() -> dict[str, int]:
    """Which worker process answered."""
    return {"pid": os.getpid()}


@blp.get("/slow")
@public
def slow() -> dict[str, bool]:
    """A request that holds its thread for ``PROBE_SLOW_SECONDS``."""
    time.sleep(float(os.environ.get("PROBE_SLOW_SECONDS", "0.3")))
    return {"done": True}


def _guard(app: Flask) -> None:
    budget = float(os.environ.get("PROBE_MAX_QUEUE_MS", "0")) / 1000
    install_overload_guard(app, 0, max_queue_seconds=budget)


def create_app() -> Flask:
    """The probe's app on the database ``CRM_PROBE_DATABASE_URL`` names."""
    spec = ServiceSpec(
        name="probe",
        import_name="probe",
        title="Probe",
        metadata=probe_metadata,
        blueprints=lambda: [blp],
        port=0,
        init_app=_guard,
    )
    app = create_service_app(spec)
    platform_metadata.create_all(app.extensions["crm"].db.engine)
    return app
