"""The leads service as the shared runtime sees it."""

from crm_shared.config import DEFAULT_PORTS
from crm_shared.service import ServiceSpec

from .models import metadata


def _blueprints():  # imported late: routes pull in the whole app
    from .api import blp

    return [blp]


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


SERVICE = ServiceSpec(
    name="leads",
    import_name="leads",
    title="CRM Leads",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    port=DEFAULT_PORTS["leads"],
    publishes=("lead.captured", "lead.qualified"),
)
