"""The opportunities service as the shared runtime sees it."""

from typing import Any

from flask import Flask

from crm_shared.config import DEFAULT_PORTS, Env, service_url
from crm_shared.service import ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    return {"customers_url": service_url(env, "customers")}


def _blueprints():  # imported late: routes pull in the whole app
    from .api import blp

    return [blp]


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
    port=DEFAULT_PORTS["opportunities"],
    extra_settings=_settings,
    init_app=_init_app,
    publishes=("opportunity.created", "deal.won", "deal.lost"),
)
