"""The idempotent consumer: each event changes state at most once.

The handler's changes and the event's id are committed in one transaction;
an id already in the inbox means the event was handled before, so the
repeat is acknowledged and skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .db import Database, is_transient, utcnow
from .events import Event, caused_by_automation
from .tables import inbox

Handler = Callable[[Session, Event], None]
# A handler's batch form: the same changes for many events, in a few statements.
ManyHandler = Callable[[Session, list[Event]], None]


class _Batched(Protocol):
    handle_many: ManyHandler

    def __call__(self, session: Session, event: Event) -> None: ...


def handles_batches(many: ManyHandler) -> Callable[[Handler], Handler]:
    """Give a handler its batch form: ``many(session, events)`` does what it does for each.

    In a batch, the consumer hands every fresh event of that handler to
    ``many`` at once (after the batch's other handlers, in the same
    transaction). When the batch fails, each event is handled alone by the
    handler itself, so ``many`` must leave the same state as calling the
    handler once per event, repeats of one business key included.
    """

    def mark(one: Handler) -> Handler:
        batched: _Batched = one  # type: ignore[assignment]
        batched.handle_many = many
        return one

    return mark


def many_of(handler: Handler) -> ManyHandler | None:
    """The batch form of ``handler``, if it has one (see :func:`handles_batches`)."""
    return getattr(handler, "handle_many", None)


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(inbox)


def claim_many(session: Session, events: list[Event]) -> set[str]:
    """Record ``events`` as handled in one statement; the ids not handled before.

    An id twice in ``events`` is claimed once.
    """
    if not events:
        return set()
    now = utcnow()
    rows = list(
        {
            e.id: {"event_id": e.id, "event_type": e.type, "source": e.source, "processed_at": now}
            for e in events
        }.values()
    )
    statement = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(inbox.c.event_id)
    )
    return {str(row[0]) for row in session.execute(statement.values(rows))}


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
        with caused_by_automation(event.automation):
            handler(session, event)
    return True


# What became of one event of a batch: handled now, skipped as a repeat, or
# the exception its handler raised (its changes rolled back).
Outcome = str | BaseException
HANDLED = "handled"
SKIPPED = "skipped"


def _apply(session: Session, event: Event, handler: Handler) -> str:
    if not claim(session, event):
        return SKIPPED
    with caused_by_automation(event.automation):
        handler(session, event)
    return HANDLED


def handle_batch(
    db: Database, events: list[Event], handler_for: Callable[[Event], Handler]
) -> list[Outcome]:
    """Handle a batch of events once each, in one transaction when all succeed.

    One transaction for the whole batch saves a commit (and a round trip) per
    event; handlers with a batch form (:func:`handles_batches`) get all their
    fresh events of the batch in one call, after the others, so their reads
    and writes take a few statements for the batch. If any handler fails,
    that transaction is rolled back and every event is handled alone (by the
    handler itself), so a bad event spends only its own attempt and never
    blocks or double-applies the others. A database outage
    (:func:`~crm_shared.db.is_transient`) is raised for the caller to wait out.
    """
    if not events:
        return []
    try:
        with db.transaction() as session:
            # One inbox statement for the batch instead of one per event.
            fresh = claim_many(session, events)
            outcomes: list[Outcome] = []
            grouped: dict[str, tuple[ManyHandler, list[Event]]] = {}
            for event in events:
                if event.id in fresh:
                    fresh.discard(event.id)  # a repeat later in the batch is skipped
                    handler = handler_for(event)
                    many = many_of(handler)
                    if many is None:
                        with caused_by_automation(event.automation):
                            handler(session, event)
                    else:
                        grouped.setdefault(event.type, (many, []))[1].append(event)
                    outcomes.append(HANDLED)
                else:
                    outcomes.append(SKIPPED)
            # Order within a batch is not promised (handlers tolerate any order).
            for many, group in grouped.values():
                many(session, group)
        return outcomes
    except Exception as exc:
        if is_transient(exc):
            raise
        if len(events) == 1:
            return [exc]
    outcomes = []
    for event in events:
        try:
            with db.transaction() as session:
                outcomes.append(_apply(session, event, handler_for(event)))
        except Exception as exc:
            if is_transient(exc):
                raise
            outcomes.append(exc)
    return outcomes
