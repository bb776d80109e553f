"""Events of other services, and what each changes here (idempotent via the inbox).

Events may arrive twice or out of order: each handler compares the event's own
time with what it last applied and ignores an older one.
"""

from __future__ import annotations

import os
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared.config import Env
from crm_shared.db import utcnow
from crm_shared.events import Event, parse_time

from . import deal_risk, deals, funnel_rollup
from .models import CustomerState, Opportunity, OpportunityContact


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _owner_follows() -> bool:
    return Env(os.environ).bool("CRM_OPPORTUNITIES_OWNER_FOLLOWS_CUSTOMER", True)


def _open_deals(session: Session, customer_id: uuid.UUID) -> list[Opportunity]:
    return list(
        session.scalars(
            select(Opportunity)
            .where(Opportunity.customer_id == customer_id, Opportunity.status == "open")
            .with_for_update()
        )
    )


def on_quote_accepted(session: Session, event: Event) -> None:
    """An accepted quote sets its open deal's amount and line items (the newest quote wins)."""
    data = event.data
    opportunity_id = _uuid(data.get("opportunity_id"))
    if opportunity_id is None:
        return
    deal = session.scalars(
        select(Opportunity).where(Opportunity.id == opportunity_id).with_for_update()
    ).first()
    if deal is None or deal.status != "open":
        return
    accepted_at = parse_time(data["accepted_at"])
    if deal.quote_accepted_at is not None and deal.quote_accepted_at >= accepted_at:
        return
    lines = [
        {
            "product_id": _uuid(line.get("product_id")),
            "sku": line.get("sku"),
            "name": line["name"][:200],
            "quantity": Decimal(line["quantity"]),
            "unit_price": Decimal(line["unit_price"]),
            "discount": Decimal(line.get("discount") or 0),
            "tax_rate": Decimal(line["tax_rate"]) if line.get("tax_rate") else None,
        }
        for line in data["lines"]
    ]
    deals.replace_lines(session, deal, lines, data["currency"])
    deals.set_amount(
        session,
        deal,
        Decimal(data["amount"]),
        data["currency"],
        _uuid(data["owner_id"]),
        accepted_at,
    )
    deal.quote_accepted_at = accepted_at
    deal.last_activity_at = max(deal.last_activity_at, accepted_at)
    session.flush()
    deal_risk.refresh(session, [deal], utcnow())


def _owner_changed(session: Session, data: dict[str, Any], at_key: str) -> None:
    customer_id = uuid.UUID(data["customer_id"])
    at = parse_time(data[at_key])
    state = session.get(CustomerState, customer_id)
    if state is None:
        state = CustomerState(customer_id=customer_id)
        session.add(state)
    if state.owner_changed_at is not None and state.owner_changed_at >= at:
        return  # an older ownership change arriving late
    state.owner_id = uuid.UUID(data["owner_id"])
    state.team_id = _uuid(data.get("team_id"))
    state.owner_changed_at = at
    if not _owner_follows():
        return
    for deal in _open_deals(session, customer_id):
        deal.owner_id = state.owner_id
        deal.team_id = state.team_id
        funnel_rollup.mark(session, deal)  # the funnel counts a deal under its owner
        deal.updated_at = max(deal.updated_at, at)


def on_customer_assigned(session: Session, event: Event) -> None:
    """A customer assigned or transferred: its open deals follow the new owner (configurable)."""
    _owner_changed(session, event.data, "assigned_at")


def on_customer_claimed(session: Session, event: Event) -> None:
    """A customer claimed from the pool: its open deals follow the new owner (configurable)."""
    _owner_changed(session, event.data, "claimed_at")


def on_followup_logged(session: Session, event: Event) -> None:
    """A follow-up with the customer counts as activity on its open deals (for risk)."""
    customer_id = uuid.UUID(event.data["customer_id"])
    occurred = parse_time(event.data["occurred_at"])
    state = session.get(CustomerState, customer_id)
    if state is None:
        state = CustomerState(customer_id=customer_id)
        session.add(state)
    state.last_activity_at = max(state.last_activity_at or occurred, occurred)
    touched = []
    for deal in _open_deals(session, customer_id):
        if occurred > deal.last_activity_at:
            deal.last_activity_at = occurred
            touched.append(deal)
    deal_risk.refresh(session, touched, utcnow())


def on_customer_created(session: Session, event: Event) -> None:
    """A new customer: keep its name (imports match account names) and first owner."""
    data = event.data
    customer_id = uuid.UUID(data["customer_id"])
    state = session.get(CustomerState, customer_id)
    if state is None:
        state = CustomerState(customer_id=customer_id)
        session.add(state)
    if state.erased_at is None:  # erased before this arrived: the name stays gone
        state.name_key = data["name"].strip().lower()[:200]
    state.lead_id = _uuid(data.get("lead_id"))
    if state.owner_changed_at is None:  # a later assignment that arrived first wins
        state.owner_id = uuid.UUID(data["owner_id"])
        state.team_id = _uuid(data.get("team_id"))


def on_customer_tier_changed(session: Session, event: Event) -> None:
    """customers' tier for a customer: at risk or churned is a risk reason on its open deals.

    The newest change wins; an older one arriving late changes nothing.
    """
    data = event.data
    customer_id = uuid.UUID(data["customer_id"])
    at = parse_time(data["changed_at"])
    state = session.get(CustomerState, customer_id)
    if state is None:
        state = CustomerState(customer_id=customer_id)
        session.add(state)
    if state.tier_changed_at is not None and state.tier_changed_at >= at:
        return
    state.tier, state.tier_changed_at = data["tier"], at
    session.flush()
    deal_risk.refresh(session, _open_deals(session, customer_id), utcnow())


ERASED_NAME = "(erased)"


def on_customer_erased(session: Session, event: Event) -> None:
    """A customer's personal data erased: drop our copy of its name, anonymise its contacts.

    Contacts on deals keep their id and role (the deal still had a decision
    maker) but lose the name. Kept as erased, so a ``customer.created``
    arriving late does not bring the name back. Repeats change nothing.
    """
    data = event.data
    customer_id = uuid.UUID(data["customer_id"])
    state = session.get(CustomerState, customer_id)
    if state is None:
        state = CustomerState(customer_id=customer_id)
        session.add(state)
    state.name_key = None
    state.erased_at = state.erased_at or parse_time(data["erased_at"])
    contact_ids = [uuid.UUID(c) for c in data.get("contact_ids") or []]
    if contact_ids:
        deal_ids = select(Opportunity.id).where(Opportunity.customer_id == customer_id)
        session.execute(
            update(OpportunityContact)
            .where(
                OpportunityContact.opportunity_id.in_(deal_ids),
                OpportunityContact.contact_id.in_(contact_ids),
            )
            .values(name=ERASED_NAME)
        )


HANDLERS = {
    "customer.created": on_customer_created,
    "quote.accepted": on_quote_accepted,
    "customer.assigned": on_customer_assigned,
    "customer.claimed": on_customer_claimed,
    "followup.logged": on_followup_logged,
    "customer.tier_changed": on_customer_tier_changed,
    "customer.erased": on_customer_erased,
}
