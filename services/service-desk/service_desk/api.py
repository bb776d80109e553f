"""HTTP routes of the service desk: parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from . import commands
from .models import Ticket
from .schemas import (
    CloseSchema,
    TicketInSchema,
    TicketListArgsSchema,
    TicketPageSchema,
    TicketSchema,
)

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="Tickets")


@blp.post("")
@idempotent
@blp.arguments(TicketInSchema)
@blp.response(201, TicketSchema)
def open_ticket(data: dict[str, Any]) -> Ticket:
    """Open a ticket for a customer (honours Idempotency-Key)."""
    return commands.open_ticket(db_session(), current_principal(), data)


@blp.get("")
@blp.arguments(TicketListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, TicketPageSchema)
def list_tickets(**args: Any) -> dict[str, Any]:
    """Tickets the caller may see, newest first."""
    items, cursor = commands.list_page(db_session(), current_principal(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:ticket_id>")
@blp.response(200, TicketSchema)
def get_ticket(ticket_id: uuid.UUID) -> Ticket:
    """One ticket."""
    return commands.get(db_session(), current_principal(), ticket_id)


@blp.post("/<uuid:ticket_id>/close")
@blp.arguments(CloseSchema)
@blp.response(200, TicketSchema)
def close_ticket(data: dict[str, Any], ticket_id: uuid.UUID) -> Ticket:
    """Close a ticket with the customer's satisfaction (1-5)."""
    return commands.close(db_session(), current_principal(), ticket_id, data["satisfaction"])
