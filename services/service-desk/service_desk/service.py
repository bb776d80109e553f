"""The service desk as the shared runtime sees it."""

from typing import Any

from flask import Flask

from crm_shared.config import DEFAULT_PORTS, ConfigError, Env, service_url
from crm_shared.public_url import public_base_url
from crm_shared.service import Job, ServiceSpec

from .models import metadata


def _public_base(env: Env) -> str | None:
    try:
        return public_base_url(env.environ)
    except ConfigError as exc:
        env.problems.append(str(exc))
        return None


def _settings(env: Env) -> dict[str, Any]:
    return {
        "customers_url": service_url(env, "customers"),
        # Links handed to customers (surveys, their ticket page) are built on the
        # gateway's public URL (CRM_PUBLIC_BASE_URL, else the local gateway's port).
        "public_base_url": _public_base(env),
        "reopen_days": env.int("CRM_SERVICE_DESK_REOPEN_DAYS", 7, min=0, max=365),
        "survey_days": env.int("CRM_SERVICE_DESK_SURVEY_DAYS", 14, min=1, max=365),
        "link_secret": env.str("CRM_SERVICE_DESK_LINK_SECRET", None),
        "max_attachment_bytes": env.int(
            "CRM_SERVICE_DESK_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024, min=1024
        ),
        "max_email_bytes": env.int("CRM_SERVICE_DESK_MAX_EMAIL_BYTES", 10 * 1024 * 1024, min=1024),
        # Message-IDs of mail about tickets end in this domain (loops are recognised by it).
        "email_domain": env.str("CRM_SERVICE_DESK_EMAIL_DOMAIN", "desk.crm.invalid"),
        "portal_replies_per_minute": env.int(
            "CRM_SERVICE_DESK_PORTAL_REPLIES_PER_MINUTE", 10, min=1, max=1000
        ),
        "kb_public_per_minute": env.int(
            "CRM_SERVICE_DESK_KB_PUBLIC_PER_MINUTE", 60, min=1, max=100000
        ),
        "max_message_bytes": env.int(
            "CRM_SERVICE_DESK_MAX_MESSAGE_BYTES", 8 * 1024 * 1024, min=1024
        ),
    }


def _blueprints():  # imported late: routes pull in the whole app
    from .api import (
        breach_risk,
        calendars,
        customer_portal,
        email_intake,
        knowledge_base,
        reports,
        routing,
        sla_policies,
        support_forms,
        surveys,
        threads,
        tickets,
    )

    return [
        tickets.blp,
        threads.blp,
        email_intake.blp,
        customer_portal.blp,
        routing.blp,
        calendars.blp,
        sla_policies.blp,
        surveys.blp,
        knowledge_base.blp,
        knowledge_base.ticket_blp,
        reports.blp,
        breach_risk.blp,
        support_forms.blp,
    ]


def _handlers():
    from .handlers import HANDLERS

    return HANDLERS


def _jobs():
    from .sla import run_sla_job

    return [Job("sla-clocks", 60, run_sla_job)]


def _init_app(app: Flask) -> None:
    from crm_shared.http import ServiceClient
    from crm_shared.web import service_context

    url = service_context(app).settings.extra["customers_url"]
    app.extensions["crm.customers"] = ServiceClient("customers", url)


SERVICE = ServiceSpec(
    name="service-desk",
    import_name="service_desk",
    title="CRM Service Desk",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    jobs=_jobs,
    port=DEFAULT_PORTS["service-desk"],
    extra_settings=_settings,
    init_app=_init_app,
    publishes=(
        "ticket.opened",
        "ticket.assigned",
        "ticket.closed",
        "ticket.rated",
        "ticket.survey_sent",
        "ticket.sla_warning",
        "ticket.sla_breached",
    ),
)
