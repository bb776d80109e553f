"""Events the orders service reacts to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared.events import Event

from .directory import remember_user
from .ordering import on_deal_won as deal_won


def on_deal_won(session: Session, event: Event) -> None:
    """A won deal: an order (no contract flow) or a draft contract (once per opportunity)."""
    deal_won(session, event.data)


def on_user(session: Session, event: Event) -> None:
    """Keep the copy of users that approvals and escalations resolve people from."""
    remember_user(session, event.data, event.time)


HANDLERS = {"deal.won": on_deal_won, "user.created": on_user, "user.updated": on_user}
