"""Automation rules plugged into the service: routes, the scheduling hook, the step job."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.events import Event
from crm_shared.service import Job

from .. import automations
from ..rules import automations as rules


def blueprints() -> list[Any]:
    """``/api/v1/automations``."""
    from ..api.automations import blp

    return [blp]


def event_types() -> Iterable[str]:
    """A rule may listen to (or be cancelled by) any business event with a contract."""
    return sorted(rules.webhook_event_types())


def after_event(session: Session, event: Event, recipients: list[uuid.UUID]) -> None:
    """Cancel the runs the event cancels and schedule the rules it triggers."""
    automations.after_event(session, event, recipients)


def jobs() -> list[Job]:
    """The step runner, every 2 seconds."""
    return [Job("notifications-automations", 2.0, automations.job)]
