"""Events the customers service reacts to.

Each handler runs once per event id (the inbox) and is idempotent by the
business key as well: the same fact under another id, or facts arriving out
of order, leave the same state.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from crm_shared.events import Event
from crm_shared.inbox import handles_batches

from . import customer_facts, retention, tier_assignment
from .models import OpportunityCopy
from .records import create_from_lead, create_from_leads


def on_leads_qualified(session: Session, events: list[Event]) -> None:
    """A batch of qualified leads: their customers in a few statements (see on_lead_qualified)."""
    create_from_leads(session, [event.data for event in events])


@handles_batches(on_leads_qualified)
def on_lead_qualified(session: Session, event: Event) -> None:
    """A qualified lead becomes a customer owned by the lead's owner (once per lead)."""
    create_from_lead(session, event.data)


def on_user(session: Session, event: Event) -> None:
    """Keep the local copy of the gateway's users (teams, roles, active)."""
    customer_facts.upsert_user(session, event)


def on_opportunity_created(session: Session, event: Event) -> None:
    """An opportunity opened for a customer: the no-opportunity clock is satisfied."""
    tier_assignment.refresh(session, customer_facts.on_opportunity_created(session, event.data))


def on_opportunity_stage_changed(session: Session, event: Event) -> None:
    """A deal moved stage: the 360° view's copy of it takes the amount and owner it now has."""
    opp = session.get(OpportunityCopy, uuid.UUID(event.data["opportunity_id"]))
    # A copy is made by opportunity.created; a closed one is final (deal.won/lost).
    if opp is None or opp.status != "open":
        return
    opp.amount, opp.currency = Decimal(event.data["amount"]), event.data["currency"]
    opp.owner_id = uuid.UUID(event.data["owner_id"])
    tier_assignment.refresh(session, opp.customer_id)


def on_deal_won(session: Session, event: Event) -> None:
    """A deal won: recycling exemptions, value and tier follow."""
    tier_assignment.refresh(session, customer_facts.on_deal_closed(session, event.data, won=True))


def on_deal_lost(session: Session, event: Event) -> None:
    """A deal lost: the customer may no longer be exempt from recycling."""
    tier_assignment.refresh(session, customer_facts.on_deal_closed(session, event.data, won=False))


def on_order_created(session: Session, event: Event) -> None:
    """An order, for the 360° view."""
    customer_facts.on_order_created(session, event.data)


def on_payment_received(session: Session, event: Event) -> None:
    """A payment: the 360° view and the tier follow."""
    tier_assignment.refresh(session, customer_facts.on_payment_received(session, event.data))


def on_ticket_opened(session: Session, event: Event) -> None:
    """A ticket opened: open tickets weigh on the tier."""
    tier_assignment.refresh(session, customer_facts.on_ticket(session, event.data, closed=False))


def on_ticket_closed(session: Session, event: Event) -> None:
    """A ticket closed with a satisfaction score: the tier follows."""
    tier_assignment.refresh(session, customer_facts.on_ticket(session, event.data, closed=True))


def on_ticket_rated(session: Session, event: Event) -> None:
    """A rating after closing: the newest counts, for the 360° view and the tier."""
    tier_assignment.refresh(session, customer_facts.on_ticket_rated(session, event.data))


def on_credit_rated(session: Session, event: Event) -> None:
    """Orders rated the customer's credit: the 360° view shows the newest rating."""
    customer_facts.on_credit_rated(session, event.data)


def on_lead_erased(session: Session, event: Event) -> None:
    """A lead's person was erased: so are the copies this service made from that lead."""
    retention.erase_lead_copies(session, uuid.UUID(event.data["lead_id"]))


HANDLERS = {
    "lead.qualified": on_lead_qualified,
    "user.created": on_user,
    "user.updated": on_user,
    "opportunity.created": on_opportunity_created,
    "opportunity.stage_changed": on_opportunity_stage_changed,
    "deal.won": on_deal_won,
    "deal.lost": on_deal_lost,
    "order.created": on_order_created,
    "payment.received": on_payment_received,
    "ticket.opened": on_ticket_opened,
    "ticket.closed": on_ticket_closed,
    "ticket.rated": on_ticket_rated,
    "customer.credit_rated": on_credit_rated,
    "lead.erased": on_lead_erased,
}
