"""Events the customers service reacts to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm_shared.events import Event

from .commands import create_from_lead


def on_lead_qualified(session: Session, event: Event) -> None:
    """A qualified lead becomes a customer owned by the lead's owner (once per lead)."""
    create_from_lead(session, event.data)


HANDLERS = {"lead.qualified": on_lead_qualified}
