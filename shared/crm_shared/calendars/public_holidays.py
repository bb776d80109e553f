"""Public holidays and make-up working days of a country and year.

Seeded from the ``holidays`` package. For China it also lists the 调休 working
weekend days the State Council announces with each year's holidays (the
package keeps them as ``weekend_workdays``; for 2026: 1-04, 2-14, 2-28, 5-09,
9-20 and 10-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays


@dataclass(frozen=True)
class YearOfHolidays:
    """Days off and extra working days of one country in one year."""

    country: str
    year: int
    holidays: dict[date, str]
    extra_workdays: frozenset[date]


def year_of_holidays(country: str, year: int, subdivision: str | None = None) -> YearOfHolidays:
    """The public holidays (with names) and make-up working days of ``country`` in ``year``.

    Raises ``ValueError`` for a country or subdivision the package does not know.
    """
    try:
        calendar = holidays.country_holidays(country.upper(), subdiv=subdivision, years=year)
    except NotImplementedError as exc:
        raise ValueError(f"no holiday data for country {country!r}") from exc
    workdays: set[date] = set(getattr(calendar, "weekend_workdays", None) or ())
    return YearOfHolidays(
        country=country.upper(),
        year=year,
        holidays={day: str(name) for day, name in sorted(calendar.items()) if day.year == year},
        extra_workdays=frozenset(d for d in workdays if d.year == year),
    )
