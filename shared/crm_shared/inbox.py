"""The idempotent consumer: each event changes state at most once.

The handler's changes and the event's id are committed in one transaction;
an id already in the inbox means the event was handled before, so the
repeat is acknowledged and skipped.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import Database, utcnow
from .events import Event
from .tables import inbox

Handler = Callable[[Session, Event], None]


def claim(session: Session, event: Event) -> bool:
    """Record ``event`` as handled in this transaction; False if it already was.

    On PostgreSQL a concurrent claim of the same id waits for the first
    transaction and then sees the conflict, so two consumers never both win.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(inbox)
        .values(
            event_id=event.id,
            event_type=event.type,
            source=event.source,
            processed_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
        # RETURNING, not rowcount: drivers disagree on rowcount for this form.
        .returning(inbox.c.event_id)
    )
    return session.execute(statement).first() is not None


def handle_once(db: Database, event: Event, handler: Handler) -> bool:
    """Run ``handler`` for ``event`` unless it was handled before.

    Returns True when the handler ran (and its changes committed).
    """
    with db.transaction() as session:
        if not claim(session, event):
            return False
        handler(session, event)
    return True
