"""What admins change: the routing table, templates; what they read: the delivery log."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import dispatch
from .channels import channel_names, registry
from .models import Attempt, ChannelState, Message, ReceivedEvent, Route, Template
from .rules.catalog import LANGUAGES, SYSTEM_EVENTS, known_event_types, link
from .rules.routing import rule_errors
from .rules.templates import Source, context, render_strict, syntax_error

MESSAGE_KEYS = (
    SortKey(Message.created_at, "created_at", descending=True),
    SortKey(Message.id, "id", descending=True),
)


def _known_type(event_type: str, *, system: bool = False) -> None:
    if event_type not in known_event_types() and not (system and event_type in SYSTEM_EVENTS):
        raise NotFound(f"no event type {event_type[:80]} is notified")


def routes(session: Session) -> list[Route]:
    """Every route, by event type."""
    return list(session.scalars(select(Route).order_by(Route.event_type)))


def set_route(session: Session, actor: uuid.UUID, event_type: str, data: dict[str, Any]) -> Route:
    """Replace one event type's recipient rules; bad rules are a 422 and change nothing."""
    _known_type(event_type)
    errors = rule_errors(data["recipients"], known_event_types())
    if errors:
        raise ValidationFailed(
            f"recipients: {errors[0]}",
            errors=[{"field": "recipients", "message": e} for e in errors],
        )
    route = session.get(Route, event_type)
    if route is None:
        route = Route(event_type=event_type)
        session.add(route)
    route.recipients = data["recipients"]
    route.enabled = data.get("enabled", True)
    route.updated_at = utcnow()
    route.updated_by = actor
    session.flush()
    return route


def templates(session: Session, event_type: str | None) -> list[Template]:
    """Templates, by event type and language."""
    statement = select(Template).order_by(Template.event_type, Template.language)
    if event_type:
        statement = statement.where(Template.event_type == event_type)
    return list(session.scalars(statement))


def _sample(session: Session, event_type: str, event_id: str | None) -> ReceivedEvent | None:
    if event_id:
        found = session.get(ReceivedEvent, event_id)
        if found is None or found.type != event_type:
            raise ValidationFailed.field("event_id", f"is not a stored {event_type} event")
        return found
    return session.scalar(
        select(ReceivedEvent)
        .where(ReceivedEvent.type == event_type)
        .order_by(ReceivedEvent.time.desc())
        .limit(1)
    )


def _check(
    source: Source, event_type: str, language: str, data: dict[str, Any]
) -> tuple[str, str, str]:
    for name in ("subject", "text", "html"):
        value = getattr(source, name)
        if value is None:
            continue
        problem = syntax_error(value)
        if problem:
            raise ValidationFailed.field(name, problem)
    try:
        return render_strict(source, context(event_type, data, language, link(event_type, data)))
    except Exception as exc:  # the template's own failure, shown to the admin
        raise ValidationFailed.field(
            "text", f"does not render: {type(exc).__name__}: {exc}"[:500]
        ) from exc


def set_template(
    session: Session, actor: uuid.UUID, event_type: str, language: str, data: dict[str, Any]
) -> Template:
    """Save a template after it parses and renders against the newest stored event."""
    _known_type(event_type, system=True)
    if language not in LANGUAGES:
        raise NotFound(f"no language {language[:20]}; one of {', '.join(LANGUAGES)}")
    source = Source(data["subject"], data["text"], data.get("html"))
    sample = _sample(session, event_type, None)
    _check(source, event_type, language, sample.data if sample is not None else {})
    row = session.get(Template, (event_type, language))
    if row is None:
        row = Template(event_type=event_type, language=language)
        session.add(row)
    row.subject, row.text, row.html = source.subject, source.text, source.html
    row.updated_at = utcnow()
    row.updated_by = actor
    row.last_error = None
    row.last_error_at = None
    session.flush()
    return row


def preview(
    session: Session, event_type: str, language: str, data: dict[str, Any]
) -> dict[str, Any]:
    """Render the stored template (or the draft given) against a real stored event."""
    _known_type(event_type, system=True)
    if language not in LANGUAGES:
        raise NotFound(f"no language {language[:20]}")
    sample = _sample(session, event_type, data.get("event_id"))
    if sample is None:
        raise ValidationFailed.field("event_id", f"no {event_type} event has arrived yet")
    stored = session.get(Template, (event_type, language))
    source = Source(
        data.get("subject") or (stored.subject if stored else ""),
        data.get("text") or (stored.text if stored else ""),
        data.get("html", stored.html if stored else None),
    )
    subject, text, html_text = _check(source, event_type, language, sample.data)
    return {"event_id": sample.id, "subject": subject, "text": text, "html": html_text}


def messages(session: Session, args: dict[str, Any]) -> tuple[list[Message], str | None]:
    """Search the delivery log, newest first."""
    statement = select(Message)
    for name in ("recipient_id", "channel", "status", "event_type"):
        if args.get(name) is not None:
            statement = statement.where(getattr(Message, name) == args[name])
    return paginate(
        session, statement, MESSAGE_KEYS, limit=args["limit"], cursor=args.get("cursor")
    )


def message(session: Session, message_id: uuid.UUID) -> dict[str, Any]:
    """One message with every attempt."""
    row = session.get(Message, message_id)
    if row is None:
        raise NotFound("no such message")
    attempts = session.scalars(
        select(Attempt).where(Attempt.message_id == message_id).order_by(Attempt.number)
    )
    fields = {c.name: getattr(row, c.name) for c in Message.__table__.columns}
    return {**fields, "attempt_log": list(attempts)}


def channels(session: Session, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Every channel: configured or not, paused or not."""
    configured = registry(settings)
    states = {s.channel: s for s in session.scalars(select(ChannelState))}
    found = []
    for name in channel_names():
        state = states.get(name)
        found.append(
            {
                "channel": name,
                "configured": name == "in_app" or name in configured,
                "paused": bool(state and state.paused),
                "failures_in_row": state.failures_in_row if state else 0,
                "paused_at": state.paused_at if state else None,
                "reason": state.reason if state else None,
            }
        )
    return found


def resume(session: Session, channel: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Resume a paused channel."""
    if channel not in channel_names():
        raise NotFound(f"no channel {channel[:40]}")
    dispatch.resume(session, channel)
    return next(c for c in channels(session, settings) if c["channel"] == channel)
