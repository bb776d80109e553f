"""Outbound webhooks plugged into the service: routes, every event type, the send job."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.config import Settings
from crm_shared.db import Database
from crm_shared.events import Event
from crm_shared.service import Job

from .. import webhooks
from ..rules import automations


def blueprints() -> list[Any]:
    """``/api/v1/webhooks``."""
    from ..api.webhooks import blp

    return [blp]


def event_types() -> Iterable[str]:
    """Any business event with a contract may be subscribed to.

    The platform's directory events (``user.*``, ``team.*``) stay out: they
    carry people's emails and are the platform's own bookkeeping.
    """
    return sorted(t for t in automations.webhook_event_types())


def after_event(session: Session, event: Event, recipients: list[uuid.UUID]) -> None:
    """Queue the event for every endpoint subscribed to it."""
    webhooks.after_event(session, event, recipients)


def _send(db: Database, settings: Settings) -> dict[str, int]:
    return {"webhooks_tried": webhooks.send_due(db)}


def jobs() -> list[Job]:
    """The webhook sender, every 2 seconds."""
    return [Job("notifications-webhooks", 2.0, _send)]
