"""The notifications service as the shared runtime sees it."""

from typing import Any

from crm_shared.config import DEFAULT_PORTS, Env, Settings
from crm_shared.db import Database
from crm_shared.service import Job, ServiceSpec

from .models import metadata

SMTP_SECURITY = ("none", "starttls", "tls")


def _settings(env: Env) -> dict[str, Any]:
    security = env.str("CRM_NOTIFICATIONS_SMTP_SECURITY", "none")
    if security not in SMTP_SECURITY:
        security = "none"
    return {
        "default_language": env.str("CRM_NOTIFICATIONS_LANGUAGE", "zh-CN"),
        "default_timezone": env.str("CRM_NOTIFICATIONS_TIMEZONE", "Asia/Shanghai"),
        # Outside the app a message waits this long, so a flood becomes one message.
        "batch_seconds": env.float("CRM_NOTIFICATIONS_BATCH_SECONDS", 30.0, min=0.0),
        # An unread in-app entry of the same type this recent absorbs the next one.
        "fold_seconds": env.float("CRM_NOTIFICATIONS_FOLD_SECONDS", 60.0, min=0.0),
        "retry_limit": env.int("CRM_NOTIFICATIONS_RETRY_LIMIT", 6, min=1, max=50),
        "retry_base_seconds": env.float("CRM_NOTIFICATIONS_RETRY_BASE_SECONDS", 30.0, min=0.0),
        "retry_cap_seconds": env.float("CRM_NOTIFICATIONS_RETRY_CAP_SECONDS", 3600.0, min=0.0),
        "pause_after_failures": env.int("CRM_NOTIFICATIONS_PAUSE_AFTER", 20, min=0),
        "dispatch_seconds": env.float("CRM_NOTIFICATIONS_DISPATCH_SECONDS", 2.0, min=0.05),
        "stream_poll_seconds": env.float("CRM_NOTIFICATIONS_STREAM_POLL_SECONDS", 1.0, min=0.05),
        "stream_max_seconds": env.float("CRM_NOTIFICATIONS_STREAM_MAX_SECONDS", 300.0, min=1.0),
        "keep_events_days": env.float("CRM_NOTIFICATIONS_KEEP_EVENTS_DAYS", 90.0, min=1.0),
        "smtp_host": env.str("CRM_NOTIFICATIONS_SMTP_HOST", ""),
        "smtp_port": env.int("CRM_NOTIFICATIONS_SMTP_PORT", 25, min=1, max=65535),
        "smtp_security": security,
        "smtp_username": env.str("CRM_NOTIFICATIONS_SMTP_USERNAME", ""),
        "smtp_password": env.str("CRM_NOTIFICATIONS_SMTP_PASSWORD", ""),
        "smtp_from": env.str("CRM_NOTIFICATIONS_SMTP_FROM", "CRM <crm@localhost>"),
        "smtp_timeout": env.float("CRM_NOTIFICATIONS_SMTP_TIMEOUT", 10.0, min=0.1),
        "smtp_ca_file": env.str("CRM_NOTIFICATIONS_SMTP_CA_FILE", ""),
    }


def current_settings() -> dict[str, Any]:
    """This service's own settings from the environment (event handlers get no Settings)."""
    return _settings(Env())


def _blueprints():  # imported late: routes pull in the whole app
    from .api import blueprints

    return blueprints()


def _handlers():
    from .events import handlers

    return handlers()


def _jobs() -> list[Job]:
    from . import dispatch, extensions

    every = current_settings()["dispatch_seconds"]
    return [
        Job("notifications-dispatch", every, dispatch.run),
        Job("notifications-prune", 3600.0, dispatch.prune),
        *extensions.jobs(),
    ]


def _bootstrap(db: Database, settings: Settings) -> None:
    from .seeds import seed

    with db.session() as session, session.begin():
        seed(session)


SERVICE = ServiceSpec(
    name="notifications",
    import_name="notifications",
    title="CRM Notifications",
    metadata=metadata,
    blueprints=_blueprints,
    handlers=_handlers,
    jobs=_jobs,
    port=DEFAULT_PORTS["notifications"],
    extra_settings=_settings,
    bootstrap=_bootstrap,
    publishes=(),
    resources=("notifications", "webhooks", "automations"),
)
