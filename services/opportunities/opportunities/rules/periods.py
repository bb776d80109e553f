"""Forecast periods: a quarter (``2026-Q1``) or a month (``2026-03``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


FIRST_YEAR, LAST_YEAR = 1900, 2999


def parse_period(text: str) -> tuple[date, date] | None:
    """The first day and the day after the last of a period, or None if malformed.

    Years outside 1900-2999 are refused: a CRM has no deals there, and the
    periods before and after must stay representable.
    """
    year_text = text[:4]
    if not year_text.isdigit() or not FIRST_YEAR <= int(year_text) <= LAST_YEAR:
        return None
    if m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return start, _add_months(start, 3)
    if m := _MONTH.match(text):
        start = date(int(m.group(1)), int(m.group(2)), 1)
        return start, _add_months(start, 1)
    return None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def previous_periods(period: str, count: int) -> list[str]:
    """The ``count`` periods before ``period``, oldest first, in the same granularity."""
    bounds = parse_period(period)
    if bounds is None:
        raise ValueError(f"not a period: {period}")
    quarterly = "Q" in period
    found: list[str] = []
    start = bounds[0]
    for _ in range(count):
        start = _add_months(start, -3 if quarterly else -1)
        found.append(
            f"{start.year}-Q{(start.month - 1) // 3 + 1}"
            if quarterly
            else f"{start.year}-{start.month:02d}"
        )
    return list(reversed(found))


def period_of(day: date, quarterly: bool) -> str:
    """The period a day falls in."""
    if quarterly:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def days_between(start: date, end: date) -> int:
    """Whole days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
    return (end - start) // timedelta(days=1)
