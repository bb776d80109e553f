"""Unit tests of the iCalendar document."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from customers.rules.ics import CalendarItem, build

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_items_become_events_with_stable_uids_and_alarms():
    task_id = uuid.uuid4()
    item = CalendarItem(
        id=task_id,
        type="followup",
        title="Call Ada",
        start=NOW + timedelta(days=1),
        end=NOW + timedelta(days=1, minutes=30),
        priority="high",
        remind_at=NOW + timedelta(days=1) - timedelta(minutes=15),
        sequence=2,
    )
    parsed = Calendar.from_ical(build("CRM: ada", [item], NOW))
    [event] = parsed.walk("VEVENT")
    assert str(event["uid"]) == f"followup-{task_id}@crm"
    assert str(event["summary"]) == "Call Ada"
    assert event["priority"] == 3 and event["sequence"] == 2
    [alarm] = event.walk("VALARM")
    assert alarm["trigger"].dt == timedelta(minutes=-15)
    assert str(parsed["x-wr-calname"]) == "CRM: ada"
