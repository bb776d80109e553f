"""Events the orders service reacts to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared.events import Event

from .commands import order_from_deal


def on_deal_won(session: Session, event: Event) -> None:
    """A won deal becomes an order (once per opportunity)."""
    order_from_deal(session, event.data)


HANDLERS = {"deal.won": on_deal_won}
