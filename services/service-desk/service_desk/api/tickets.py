"""HTTP routes of tickets: open, list, see, edit, move, close, rate, merge, follow."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import customer_portal, satisfaction, sla, tickets
from ..schemas.tickets import (
    CloseSchema,
    MergeSchema,
    RatingInSchema,
    StatusMoveSchema,
    TicketDetailSchema,
    TicketInSchema,
    TicketListArgsSchema,
    TicketPageSchema,
    TicketPatchSchema,
)

blp = Blueprint("tickets", __name__, url_prefix="/api/v1/tickets", description="Tickets")


def detail(ticket_id: uuid.UUID) -> dict[str, Any]:
    """A ticket the caller may see, as the API shows it in full."""
    session = db_session()
    ticket = tickets.get(session, current_principal(), ticket_id)
    [shown] = sla.presented(session, [ticket])
    shown["followers"] = tickets.followers_of(session, ticket.id)
    shown["history"] = tickets.history_of(session, ticket.id)
    shown["customer_link"] = customer_portal.link_for(session, ticket)
    return shown


@blp.post("")
@idempotent
@blp.arguments(TicketInSchema)
@blp.response(201, TicketDetailSchema)
def open_ticket(data: dict[str, Any]) -> dict[str, Any]:
    """Open a ticket for a customer the caller can see (honours Idempotency-Key)."""
    tickets.check_customer_visible(data["customer_id"])
    ticket = tickets.open_ticket(db_session(), current_principal(), data)
    db_session().flush()
    return detail(ticket.id)


@blp.get("")
@blp.arguments(TicketListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, TicketPageSchema)
def list_tickets(**args: Any) -> dict[str, Any]:
    """Tickets the caller may see, newest first, each with its SLA clocks."""
    session = db_session()
    items, cursor = tickets.list_page(session, current_principal(), args)
    return {"items": sla.presented(session, items), "next_cursor": cursor}


@blp.get("/<uuid:ticket_id>")
@blp.response(200, TicketDetailSchema)
def get_ticket(ticket_id: uuid.UUID) -> dict[str, Any]:
    """One ticket with its SLA clocks, followers and status history."""
    return detail(ticket_id)


@blp.patch("/<uuid:ticket_id>")
@blp.arguments(TicketPatchSchema)
@blp.response(200, TicketDetailSchema)
def edit_ticket(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Change type, priority, tier, category, links or tags."""
    tickets.update(db_session(), current_principal(), ticket_id, data)
    return detail(ticket_id)


@blp.post("/<uuid:ticket_id>/status")
@blp.arguments(StatusMoveSchema)
@blp.response(200, TicketDetailSchema)
def move_ticket(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Move a ticket: open, pending (waiting on the customer), resolved, reopen, closed."""
    tickets.change_status(
        db_session(), current_principal(), ticket_id, data["status"], reason=data["reason"]
    )
    return detail(ticket_id)


@blp.post("/<uuid:ticket_id>/close")
@blp.arguments(CloseSchema)
@blp.response(200, TicketDetailSchema)
def close_ticket(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Close a ticket, with a rating (1-5) the customer gave an agent, if any."""
    tickets.close(db_session(), current_principal(), ticket_id, data["satisfaction"])
    return detail(ticket_id)


@blp.post("/<uuid:ticket_id>/rating")
@blp.arguments(RatingInSchema)
@blp.response(200, TicketDetailSchema)
def rate_ticket(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Record a rating the customer gave by phone (agents and admins, never the owner)."""
    session = db_session()
    ticket = tickets.get(session, current_principal(), ticket_id, lock=True)
    satisfaction.record_rating(
        session, current_principal(), ticket, data["rating"], data["comment"]
    )
    return detail(ticket_id)


@blp.post("/<uuid:ticket_id>/merge")
@blp.arguments(MergeSchema)
@blp.response(200, TicketDetailSchema)
def merge_ticket(data: dict[str, Any], ticket_id: uuid.UUID) -> dict[str, Any]:
    """Merge a duplicate into another ticket of the same customer; returns the survivor."""
    target = tickets.merge(db_session(), current_principal(), ticket_id, data["into_id"])
    return detail(target.id)


@blp.put("/<uuid:ticket_id>/followers/me")
@blp.response(200, TicketDetailSchema)
def follow_ticket(ticket_id: uuid.UUID) -> dict[str, Any]:
    """Follow a ticket."""
    tickets.follow(db_session(), current_principal(), ticket_id, True)
    return detail(ticket_id)


@blp.delete("/<uuid:ticket_id>/followers/me")
@blp.response(200, TicketDetailSchema)
def unfollow_ticket(ticket_id: uuid.UUID) -> dict[str, Any]:
    """Stop following a ticket."""
    tickets.follow(db_session(), current_principal(), ticket_id, False)
    return detail(ticket_id)
