"""Follow-up rules: when a follow-up may be logged, and the next one it plans.

Plain Python, no I/O; the current time is an argument.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_shared.errors import ValidationFailed

# A follow-up may be logged a little ahead of the server's clock (phones drift).
CLOCK_SKEW = timedelta(minutes=5)
# A planned follow-up takes this long in the rep's calendar.
PLANNED_MINUTES = 30


def check_times(occurred: datetime, next_at: datetime | None, now: datetime) -> None:
    """Refuse a follow-up from the future (beyond the skew) or a next one not after it (422)."""
    if occurred > now + CLOCK_SKEW:
        raise ValidationFailed.field("occurred_at", "is in the future")
    if next_at is not None and next_at <= occurred:
        raise ValidationFailed.field("next_followup_at", "must be after occurred_at")


def latest(current: datetime | None, occurred: datetime) -> datetime:
    """A customer's last follow-up after one at ``occurred``: the latest wins, even logged late.

    The database applies the same rule in one conditional update (so parallel
    follow-ups cannot lose one); this is its statement and its test.
    """
    return occurred if current is None or current < occurred else current


def reminder_at(due_at: datetime, reminder_minutes: int) -> datetime | None:
    """When to remind the rep of a planned follow-up; None when reminders are off (0)."""
    return due_at - timedelta(minutes=reminder_minutes) if reminder_minutes else None


def planned_title(customer_name: str) -> str:
    """The title of the task a planned follow-up becomes (fits the 200-character title)."""
    return f"Follow up: {customer_name}"[:200]
