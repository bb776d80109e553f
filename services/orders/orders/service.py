"""The orders service as the shared runtime sees it."""

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
    name="orders",
    import_name="orders",
    title="CRM Orders",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    port=DEFAULT_PORTS["orders"],
    publishes=("order.created", "payment.received", "approval.requested", "approval.decided"),
    approvals=True,
)
