"""The probe as a web app gunicorn loads (``probe_web:create_app()``), for real-process tests."""

from __future__ import annotations

import os

from flask import Flask
from probe import probe_metadata  # type: ignore[import-not-found]

from crm_shared.service import ServiceSpec
from crm_shared.tables import platform_metadata
from crm_shared.web import Blueprint, create_service_app, public

blp = Blueprint("probe_web", __name__, url_prefix="/api/v1/probe")


@blp.get("/pid")
@public
def pid() -> dict[str, int]:
    """Which worker process answered."""
    return {"pid": os.getpid()}


def create_app() -> Flask:
    """The probe's app on the database ``CRM_PROBE_DATABASE_URL`` names."""
    spec = ServiceSpec(
        name="probe",
        import_name="probe",
        title="Probe",
        metadata=probe_metadata,
        blueprints=lambda: [blp],
        port=0,
    )
    app = create_service_app(spec)
    platform_metadata.create_all(app.extensions["crm"].db.engine)
    return app
