"""Calendar rules: the periods a calendar shows, and how far one view or feed reaches.

Plain Python, no I/O; the current time is an argument.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_shared.errors import ValidationFailed

MAX_RANGE = timedelta(days=62)
FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=365)


def check_range(start: datetime, end: datetime) -> None:
    """Refuse an empty range or one longer than :data:`MAX_RANGE` (422 on ``to``)."""
    if end <= start:
        raise ValidationFailed.field("to", "must be after from")
    if end - start > MAX_RANGE:
        raise ValidationFailed.field("to", "the range may be at most 62 days")


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """What a calendar feed holds: a month back and a year ahead of ``now``."""
    return now - FEED_PAST, now + FEED_FUTURE


def period(view: str, day: date | None, tz_name: str, now: datetime) -> tuple[datetime, datetime]:
    """The UTC bounds of the day, week (Monday first) or month holding ``day`` in ``tz_name``.

    Without ``day`` it is the period holding ``now`` in that zone (so in
    Asia/Shanghai the day turns at 16:00 UTC).
    """
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.field("tz", "is not a known IANA time zone") from None
    day = day or now.astimezone(zone).date()
    if view == "day":
        first, last = day, day + timedelta(days=1)
    elif view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(), zone).astimezone(UTC),
        datetime.combine(last, time(), zone).astimezone(UTC),
    )
