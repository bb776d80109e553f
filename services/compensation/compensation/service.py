"""The compensation service as the shared runtime sees it."""

from typing import Any

from crm_shared.config import DEFAULT_PORTS, Env
from crm_shared.service import ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    return {"currency": env.str("CRM_COMPENSATION_CURRENCY", "USD")}


def _blueprints():  # imported late: routes pull in the whole app
    from .api import blp

    return [blp]


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


SERVICE = ServiceSpec(
    name="compensation",
    import_name="compensation",
    title="CRM Compensation",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    port=DEFAULT_PORTS["compensation"],
    extra_settings=_settings,
)
