"""The compensation service as the shared runtime sees it."""

from typing import Any

from crm_shared.config import DEFAULT_PORTS, Env, Settings
from crm_shared.db import Database
from crm_shared.service import ServiceSpec

from .models import metadata


def _settings(env: Env) -> dict[str, Any]:
    return {"currency": env.str("CRM_COMPENSATION_CURRENCY", "USD")}


def _blueprints():  # imported late: routes pull in the whole app
    from .api import blueprints

    return blueprints()


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


def _bootstrap(db: Database, settings: Settings) -> None:
    from .approvals import seed_flows

    with db.session() as session, session.begin():
        seed_flows(session)


SERVICE = ServiceSpec(
    name="compensation",
    import_name="compensation",
    title="CRM Compensation",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    port=DEFAULT_PORTS["compensation"],
    extra_settings=_settings,
    bootstrap=_bootstrap,
    approvals=True,
    publishes=(
        "target.approved",
        "performance.calculated",
        "payout.approved",
        "approval.requested",
        "approval.decided",
    ),
)
