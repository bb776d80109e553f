"""The orders service as the shared runtime sees it."""

import os

from crm_shared.config import DEFAULT_PORTS
from crm_shared.service import Job, ServiceSpec

from .models import metadata


def _blueprints():  # imported late: routes pull in the whole app
    from crm_shared.approvals.api import approvals_blueprint

    from .api import catalog, contracts, invoices, orders, payments, quotes, receivables
    from .approval_kinds import APPROVALS

    return [
        orders.blp,
        payments.blp,
        invoices.order_invoices,
        receivables.blp,
        approvals_blueprint(APPROVALS),
        catalog.products,
        catalog.price_lists,
        quotes.blp,
        contracts.blp,
        invoices.blp,
    ]


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


def _jobs():
    from .balances import rebuild_job
    from .catalog_io import import_job
    from .credit import rating_job
    from .quotes import expire_job
    from .reminders import reminders_job
    from .reports import backtest_job

    # Daily work, run hourly (each reminder is sent once, so reruns are harmless);
    # CRM_ORDERS_JOB_SECONDS shortens it for demos and end-to-end tests.
    every = float(os.environ.get("CRM_ORDERS_JOB_SECONDS", "3600"))
    return [
        Job("expire-quotes", every, expire_job),
        Job("payment-reminders", every, reminders_job),
        Job("credit-ratings", every, rating_job),
        Job("import-products", 1.0, import_job),
        # Cheap when the figures are of today; rebuilds them once the day changes.
        Job("receivables-rebuild", min(every, 60.0), rebuild_job),
        Job("cash-backtests", every, backtest_job),
    ]


def _bootstrap(db, settings):  # after migrate: backfill the pre-aggregated receivables
    from .balances import bootstrap

    bootstrap(db, settings)


SERVICE = ServiceSpec(
    name="orders",
    import_name="orders",
    title="CRM Orders",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    jobs=_jobs,
    port=DEFAULT_PORTS["orders"],
    publishes=(
        "order.created",
        "payment.received",
        "payment.refunded",
        "payment.due_soon",
        "payment.overdue",
        "quote.accepted",
        "contract.approved",
        "customer.credit_rated",
        "approval.requested",
        "approval.decided",
    ),
    approvals=True,
    bootstrap=_bootstrap,
)
