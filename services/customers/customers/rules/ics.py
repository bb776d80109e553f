"""The iCalendar (RFC 5545) form of a user's calendar. No I/O: items in, bytes out."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Alarm, Calendar, Event

PRODID = "-//CRM//customers calendar//EN"
PRIORITY = {"urgent": 1, "high": 3, "normal": 5, "low": 9}


@dataclass(frozen=True)
class CalendarItem:
    """One entry of a calendar: a task, a planned follow-up or a visit."""

    id: uuid.UUID
    type: str  # task, followup, visit
    title: str
    start: datetime
    end: datetime
    description: str | None = None
    priority: str | None = None
    remind_at: datetime | None = None
    completed_at: datetime | None = None
    updated_at: datetime | None = None
    sequence: int = 0
    location: str | None = None


def build(name: str, items: Iterable[CalendarItem], now: datetime) -> bytes:
    """A VCALENDAR that calendar apps subscribe to; each item is a VEVENT with a stable UID."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    # Ask subscribing apps to refresh about every 15 minutes.
    calendar.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT15M")
    for item in items:
        event = Event()
        event.add("uid", f"{item.type}-{item.id}@crm")
        event.add("dtstamp", now)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        title = item.title if item.completed_at is None else f"✓ {item.title}"
        event.add("summary", title)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.priority in PRIORITY:
            event.add("priority", PRIORITY[item.priority])
        event.add("categories", [item.type])
        event.add("sequence", item.sequence)
        if item.updated_at is not None:
            event.add("last-modified", item.updated_at)
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.type != "visit" else "OPAQUE")
        if item.remind_at is not None and item.completed_at is None and item.remind_at < item.start:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", item.title)
            alarm.add("trigger", item.remind_at - item.start)
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
