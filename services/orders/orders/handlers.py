"""Events the orders service reacts to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared.events import Event

from .erasure import erase_customer
from .ordering import on_deal_won as deal_won


def on_deal_won(session: Session, event: Event) -> None:
    """A won deal: an order (no contract flow) or a draft contract (once per opportunity)."""
    deal_won(session, event.data)


def on_customer_erased(session: Session, event: Event) -> None:
    """A customer erased on request: anonymise our copies (legal records stay; see erasure.py)."""
    erase_customer(session, event.data)


# Users and teams (for approvers and escalations) come from the platform's
# directory copy (crm_shared.directory), which every service keeps.
HANDLERS = {"deal.won": on_deal_won, "customer.erased": on_customer_erased}
