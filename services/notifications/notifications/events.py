"""The consumer: every routed event becomes deliveries, one per recipient and channel.

Idempotent twice over: the inbox skips an event seen before, and each
(event id, recipient, channel) is a unique delivery, so a replay under
another path never doubles a message. Order does not matter: each event
is routed on its own data, and the contacts copy keeps the newest event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.directory import SqlDirectory
from crm_shared.events import Event

from . import bell, extensions, profiles
from .channels import channel_names
from .models import Contact, Delivery, ReceivedEvent, Route
from .rendering import render_event
from .rules.catalog import EVENTS, IN_APP, actors, link
from .rules.preferences import channels_for, due_at
from .rules.routing import resolve


def _settings() -> dict[str, Any]:
    from .service import current_settings

    return current_settings()


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _earlier(session: Session) -> Callable[[str, str, Any, str], Any]:
    def lookup(event_type: str, match: str, value: Any, wanted: str) -> Any:
        rows = session.scalars(
            select(ReceivedEvent)
            .where(ReceivedEvent.type == event_type)
            .order_by(ReceivedEvent.time.desc())
            .limit(200)
        )
        for row in rows:
            if str(row.data.get(match)) == str(value):
                return row.data.get(wanted)
        return None

    return lookup


def store(session: Session, event: Event) -> None:
    """Keep the event: messages render from it, previews run against it."""
    session.execute(
        _insert(session, ReceivedEvent.__table__)
        .values(
            id=event.id,
            type=event.type,
            source=event.source,
            data=event.data,
            time=event.time,
            received_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )


def recipients_of(session: Session, event: Event) -> list[uuid.UUID]:
    """Who the routing table says is told about ``event`` (none when its route is off)."""
    route = session.get(Route, event.type)
    if route is None or not route.enabled:
        return []
    return resolve(
        route.recipients or [],
        event.data,
        SqlDirectory(session),
        earlier=_earlier(session),
        exclude=actors(event.type, event.data),
    )


def on_event(session: Session, event: Event) -> None:
    """Route a "for notifiers" event and queue one delivery per recipient and channel."""
    settings = _settings()
    store(session, event)
    recipients = recipients_of(session, event)
    now = utcnow()
    available = channel_names()
    for user_id in recipients:
        mine = profiles.choices(session, user_id, settings)
        for channel in channels_for(mine, event.type, available):
            at, held = due_at(mine, channel, now, float(settings.get("batch_seconds", 30)))
            inserted = session.execute(
                _insert(session, Delivery.__table__)
                .values(
                    id=uuid.uuid4(),
                    event_id=event.id,
                    event_type=event.type,
                    recipient_id=user_id,
                    channel=channel,
                    status="sent" if channel == IN_APP else "pending",
                    due_at=at,
                    held=held,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["event_id", "recipient_id", "channel"])
                .returning(Delivery.__table__.c.id)
            ).first()
            if inserted is not None and channel == IN_APP:
                bell.add(
                    session,
                    user_id,
                    event.id,
                    event.type,
                    render_event(session, event.type, event.data, mine.language),
                    link(event.type, event.data),
                    language=mine.language,
                    fold_seconds=float(settings.get("fold_seconds", 60)),
                    now=now,
                )
    for hook in extensions.after_event_hooks():
        hook(session, event, recipients)


def on_extension_event(session: Session, event: Event) -> None:
    """An event only extensions asked for: no routing, just their hooks."""
    for hook in extensions.after_event_hooks():
        hook(session, event, [])


def on_user_event(session: Session, event: Event) -> None:
    """``user.created`` / ``user.updated``: keep the user's email and name, newest wins."""
    data = event.data
    user_id = uuid.UUID(str(data["user_id"]))
    row = session.get(Contact, user_id)
    if row is None:
        session.add(
            Contact(
                user_id=user_id,
                email=data.get("email"),
                display_name=data.get("display_name"),
                updated_at=event.time,
            )
        )
    elif row.updated_at <= event.time:
        row.email = data.get("email")
        row.display_name = data.get("display_name")
        row.updated_at = event.time


def handlers() -> Mapping[str, Callable[[Session, Event], None]]:
    """Every event type the consumer subscribes to, and its handler."""
    found: dict[str, Callable[[Session, Event], None]] = {t: on_event for t in EVENTS}
    for event_type in extensions.event_types():
        found.setdefault(event_type, on_extension_event)
    found["user.created"] = on_user_event
    found["user.updated"] = on_user_event
    return found
