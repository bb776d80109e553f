"""Periods: a month ``2026-03``, a quarter ``2026-Q1`` or a year ``2026``.

Facts are kept per month; quarters and years are the sum of their months.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR = re.compile(r"^(\d{4})$")
PERIOD_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


@dataclass(frozen=True)
class Period:
    """A parsed period and the months it covers."""

    text: str
    kind: str  # month | quarter | year
    months: tuple[str, ...]


def parse_period(text: str) -> Period:
    """Parse ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; ValueError on anything else."""
    if m := MONTH.match(text):
        return Period(text, "month", (text,))
    if m := QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        first = 3 * (quarter - 1) + 1
        return Period(
            text, "quarter", tuple(f"{year:04d}-{mo:02d}" for mo in range(first, first + 3))
        )
    if m := YEAR.match(text):
        year = int(m.group(1))
        return Period(text, "year", tuple(f"{year:04d}-{mo:02d}" for mo in range(1, 13)))
    raise ValueError("must be YYYY-MM, YYYY-Qn or YYYY")


def month_of(moment: datetime) -> str:
    """The ``YYYY-MM`` month (UTC) a moment falls in."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m")


def next_month(month: str) -> str:
    """The month after ``month``."""
    year, mo = int(month[:4]), int(month[5:7])
    return f"{year + (mo == 12):04d}-{(mo % 12) + 1:02d}"


def month_index(month: str) -> int:
    """Months since year 0, so two months can be compared and subtracted."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def landing_month(event_month: str, closed: frozenset[str], current_month: str) -> str:
    """Where a fact lands: its own month while open, else the current month as an adjustment.

    ``current_month`` is the month the fact is processed in; when that one is
    closed too (an admin closed ahead), the first open month after it.
    """
    if event_month not in closed:
        return event_month
    month = max(current_month, event_month, key=month_index)
    while month in closed:
        month = next_month(month)
    return month
