"""Routes of the calendar and its iCalendar feed."""

from __future__ import annotations

from typing import Any

from flask import Response

from crm_shared.db import utcnow
from crm_shared.public_url import public_url
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    public,
)

from .. import calendars
from ..rules.calendars import period
from ..schemas.calendars import CalendarArgsSchema, CalendarSchema, FeedSchema

calendar_blp = Blueprint(
    "calendar", __name__, url_prefix="/api/v1/calendar", description="Calendar and its feed"
)


@calendar_blp.get("")
@calendar_blp.arguments(CalendarArgsSchema, location="query", as_kwargs=True)
@calendar_blp.response(200, CalendarSchema)
def get_calendar(**args: Any) -> Any:
    """Tasks, planned follow-ups and visits in ``[from, to)``, or a day, week or month view."""
    if "view" in args:
        start, end = period(args["view"], args.get("date"), args["tz"], utcnow())
    else:
        start, end = args["from_"], args["to"]
    return calendars.calendar(db_session(), current_principal(), start, end, args.get("user_id"))


def _feed_path(token: str) -> str:
    return f"/api/v1/calendar/feeds/{token}.ics"


@calendar_blp.post("/feed")
@calendar_blp.response(201, FeedSchema)
def create_feed() -> Any:
    """A secret iCalendar address for the caller's calendar (replaces any earlier one).

    Calendar apps subscribe to it without a token; keep it private, and
    create a new one (or delete it) to revoke it.
    """
    session = db_session()
    token = calendars.create_feed(session, current_principal())
    path = _feed_path(token)
    return {
        "path": path,
        "url": public_url(path),  # the gateway's public address, never ours
        "created_at": calendars.feed_status(session, current_principal()).created_at,
    }


@calendar_blp.get("/feed")
@calendar_blp.response(200, FeedSchema)
def get_feed() -> Any:
    """Whether the caller has a feed (its address is shown only when created)."""
    feed = calendars.feed_status(db_session(), current_principal())
    return {"path": None, "url": None, "created_at": feed.created_at}


@calendar_blp.delete("/feed")
@calendar_blp.response(204)
def delete_feed() -> Any:
    """Revoke the caller's feed address."""
    calendars.revoke_feed(db_session(), current_principal())
    return ""


@calendar_blp.get("/feeds/<string:token>.ics")
@public
@calendar_blp.doc(
    security=[],
    responses={
        "200": {
            "description": "an iCalendar document",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    },
)
def calendar_feed(token: str) -> Response:
    """The iCalendar feed behind a secret address (no bearer token: the address is the key)."""
    body = calendars.feed_calendar(db_session(), token)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": "inline; filename=crm.ics",
        },
    )
