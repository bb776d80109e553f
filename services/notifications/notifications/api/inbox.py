"""A user's own notifications: the list, read marks, the live stream, preferences."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, request, stream_with_context

from crm_shared.web import Blueprint, current_principal, db_session, service_context

from .. import bell, profiles, streaming
from ..models import Notification
from ..schemas.notifications import (
    ListArgsSchema,
    MarkedSchema,
    NotificationPageSchema,
    NotificationSchema,
    PreferencesInSchema,
    PreferencesSchema,
    UnreadSchema,
)

blp = Blueprint(
    "notifications_inbox",
    __name__,
    url_prefix="/api/v1/notifications",
    description="The caller's own notifications (the bell) and preferences",
)


def _extra() -> dict[str, Any]:
    return service_context().settings.extra


@blp.get("")
@blp.arguments(ListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, NotificationPageSchema)
def list_notifications(**args: Any) -> dict[str, Any]:
    """The caller's notifications, unread first, newest first, in cursor pages."""
    session = db_session()
    me = current_principal().id
    items, cursor = bell.page(
        session, me, limit=args["limit"], cursor=args.get("cursor"), unread_only=args["unread_only"]
    )
    return {"items": items, "next_cursor": cursor, "unread": bell.unread_count(session, me)}


@blp.get("/unread-count")
@blp.response(200, UnreadSchema)
def unread_count() -> dict[str, int]:
    """How many of the caller's notifications are unread."""
    return {"unread": bell.unread_count(db_session(), current_principal().id)}


@blp.post("/<uuid:notification_id>/read")
@blp.response(200, NotificationSchema)
def mark_read(notification_id: uuid.UUID) -> Notification:
    """Mark one of the caller's notifications read (another user's: 404)."""
    return bell.mark_read(db_session(), current_principal().id, notification_id)


@blp.post("/read-all")
@blp.response(200, MarkedSchema)
def mark_all_read() -> dict[str, int]:
    """Mark all the caller's notifications read."""
    return {"marked": bell.mark_all_read(db_session(), current_principal().id)}


@blp.get("/stream")
@blp.doc(
    responses={
        "200": {
            "description": "text/event-stream of the caller's changes; resumes after Last-Event-ID"
        }
    }
)
def stream() -> Response:
    """Server-sent events: each new, folded or read notification of the caller, live."""
    ctx = service_context()
    me = current_principal().id
    last = request.headers.get("Last-Event-ID") or request.args.get("last_event_id")
    after = streaming.start_position(ctx.db, me, last)
    body = streaming.events(
        ctx.db,
        me,
        after,
        poll_seconds=float(ctx.settings.extra.get("stream_poll_seconds", 1.0)),
        max_seconds=float(ctx.settings.extra.get("stream_max_seconds", 300.0)),
    )
    return Response(
        stream_with_context(body),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@blp.get("/preferences")
@blp.response(200, PreferencesSchema)
def get_preferences() -> dict[str, Any]:
    """The caller's preferences (defaults where they chose nothing)."""
    return profiles.view(db_session(), current_principal().id, _extra())


@blp.put("/preferences")
@blp.arguments(PreferencesInSchema)
@blp.response(200, PreferencesSchema)
def put_preferences(data: dict[str, Any]) -> dict[str, Any]:
    """Change the caller's own preferences; an unknown event type or channel is a 422."""
    return profiles.update(db_session(), current_principal().id, data, _extra())
