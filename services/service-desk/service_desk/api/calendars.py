"""HTTP routes of business calendars (admins edit; agents read)."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, SERVICE_AGENT
from crm_shared.web import Blueprint, db_session, idempotent, require_roles

from .. import calendars
from ..models import Calendar
from ..schemas.calendars import (
    CalendarInSchema,
    CalendarListSchema,
    CalendarSchema,
    CustomerCalendarSchema,
)

blp = Blueprint(
    "calendars",
    __name__,
    url_prefix="/api/v1/tickets/calendars",
    description="Business calendars the SLA clocks run on",
)


@blp.post("")
@require_roles(ADMIN)
@idempotent
@blp.arguments(CalendarInSchema)
@blp.response(201, CalendarSchema)
def create_calendar(data: dict[str, Any]) -> Calendar:
    """Keep a calendar; with ``country`` and ``years`` its public holidays (and China's
    make-up working days) are added from the holidays package."""
    return calendars.create(db_session(), data)


@blp.get("")
@require_roles(ADMIN, SERVICE_AGENT)
@blp.response(200, CalendarListSchema)
def list_calendars() -> dict[str, Any]:
    """Every calendar."""
    return {"items": calendars.list_all(db_session())}


@blp.get("/<uuid:calendar_id>")
@require_roles(ADMIN, SERVICE_AGENT)
@blp.response(200, CalendarSchema)
def get_calendar(calendar_id: uuid.UUID) -> Calendar:
    """One calendar."""
    return calendars.get(db_session(), calendar_id)


@blp.put("/<uuid:calendar_id>")
@require_roles(ADMIN)
@blp.arguments(CalendarInSchema)
@blp.response(200, CalendarSchema)
def replace_calendar(data: dict[str, Any], calendar_id: uuid.UUID) -> Calendar:
    """Replace a calendar; every ticket's clocks follow on their next read."""
    return calendars.replace(db_session(), calendar_id, data)


@blp.put("/customers/<uuid:customer_id>")
@require_roles(ADMIN)
@blp.arguments(CustomerCalendarSchema)
@blp.response(204)
def set_customer_calendar(data: dict[str, Any], customer_id: uuid.UUID) -> None:
    """Serve a customer on its own calendar (null: the policy's or the default)."""
    calendars.set_for_customer(db_session(), customer_id, data["calendar_id"])
