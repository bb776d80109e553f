"""Business time: opening hours per weekday with breaks, a time zone, holidays
and extra working days, and the arithmetic SLA clocks run on.

Pure: no clock reads (instants are arguments), no I/O. Instants are aware
``datetime`` values; the calendar's own time zone decides which local day and
hours an instant falls in (``zoneinfo``, so daylight-saving changes are right).
Open hours are half-open intervals ``[start, end)`` of local time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A calendar with no open hours in this many days cannot reach a due time.
SEARCH_DAYS = 3 * 366

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[int, int]  # minutes after local midnight, [start, end)


class CalendarError(ValueError):
    """A calendar definition that cannot be used, with the field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_clock(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``"24:00"`` is the end of the day)."""
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"{text!r} is not a time of day HH:MM") from exc
    if not (0 <= int(minutes) < 60 and 0 <= value <= 24 * 60):
        raise ValueError(f"{text!r} is not a time of day HH:MM")
    return value


def format_clock(minutes: int) -> str:
    """``"HH:MM"`` of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class DayHours:
    """One weekday's opening hours and the breaks inside them."""

    hours: tuple[Span, ...] = ()
    breaks: tuple[Span, ...] = ()

    def open_spans(self) -> tuple[Span, ...]:
        """The hours with the breaks cut out, sorted."""
        spans = sorted(self.hours)
        for b_start, b_end in sorted(self.breaks):
            cut: list[Span] = []
            for start, end in spans:
                if b_end <= start or b_start >= end:
                    cut.append((start, end))
                    continue
                if start < b_start:
                    cut.append((start, b_start))
                if b_end < end:
                    cut.append((b_end, end))
            spans = cut
        return tuple(spans)


def check_day(name: str, day: DayHours) -> None:
    """Refuse hours that overlap or are empty, and breaks outside the hours."""
    spans = sorted(day.hours)
    for start, end in spans:
        if not 0 <= start < end <= 24 * 60:
            raise CalendarError(f"{name}.hours", "each period must end after it starts")
    for (_, end), (start, _) in pairwise(spans):
        if start < end:
            raise CalendarError(f"{name}.hours", "opening periods overlap")
    for b_start, b_end in day.breaks:
        if not b_start < b_end:
            raise CalendarError(f"{name}.breaks", "a break must end after it starts")
        if not any(start <= b_start and b_end <= end for start, end in spans):
            raise CalendarError(f"{name}.breaks", "a break must lie inside the opening hours")


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly hours (Monday first), a time zone, holidays and extra working days.

    An extra working day (China's 调休 Saturday) opens with ``extra_day_hours``,
    by default the hours of the first weekday that has any.
    """

    timezone: str
    week: tuple[DayHours, ...]
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    extra_day_hours: DayHours | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    # Per-calendar memo of each local day's open intervals, and running totals
    # of open seconds per day from an origin, so long spans cost one subtraction.
    _days: dict[date, tuple[tuple[float, float], ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _totals: list[float] = field(init=False, repr=False, compare=False, hash=False)
    _origin: list[int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise CalendarError("week", "needs the hours of all seven weekdays")
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError("timezone", f"unknown time zone {self.timezone!r}") from exc
        for name, day in zip(WEEKDAYS, self.week, strict=True):
            check_day(name, day)
        if self.extra_day_hours is not None:
            check_day("extra_day_hours", self.extra_day_hours)
        if not any(day.open_spans() for day in self.week) and not self.extra_workdays:
            raise CalendarError("week", "the calendar is never open")
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_days", {})
        object.__setattr__(self, "_totals", [0.0])
        object.__setattr__(self, "_origin", [0])

    def _hours_of(self, day: date) -> tuple[Span, ...]:
        if day in self.holidays:
            return ()
        if day in self.extra_workdays:
            if self.extra_day_hours is not None:
                return self.extra_day_hours.open_spans()
            return next((d.open_spans() for d in self.week if d.open_spans()), ())
        return self.week[day.weekday()].open_spans()

    def open_intervals(self, day: date) -> tuple[tuple[float, float], ...]:
        """The local ``day``'s open intervals as POSIX seconds (cached)."""
        found = self._days.get(day)
        if found is None:
            found = _intervals(self, day)
            self._days[day] = found
        return found

    def _open_before(self, day: date) -> float:
        """Open seconds from the origin day up to the start of ``day``."""
        ordinal = day.toordinal()
        if not self._totals[1:] or ordinal < self._origin[0]:
            # (Re)start the running totals a year before the first day asked about.
            self._origin[0] = ordinal - 366
            self._totals[:] = [0.0]
        index = ordinal - self._origin[0]
        totals = self._totals
        while len(totals) <= index:
            current = date.fromordinal(self._origin[0] + len(totals) - 1)
            totals.append(totals[-1] + sum(e - s for s, e in self.open_intervals(current)))
        return totals[index]

    def local_date(self, instant: datetime) -> date:
        """The calendar's local date of ``instant``."""
        return _aware(instant).astimezone(self._zone).date()

    def is_open(self, instant: datetime) -> bool:
        """True when ``instant`` falls in open hours."""
        ts = _aware(instant).timestamp()
        return any(s <= ts < e for s, e in self.open_intervals(self.local_date(instant)))

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` of business time after ``start`` (before it if negative).

        Moving forward, a result falling exactly on the end of an open period
        stays there; moving back, on the start of one.
        """
        seconds = minutes * 60
        ts = _aware(start).timestamp()
        day = self.local_date(start)
        step = 1 if seconds >= 0 else -1
        left = abs(seconds)
        if left == 0:
            return _aware(start)
        for _ in range(SEARCH_DAYS):
            intervals = self.open_intervals(day)
            for s, e in intervals if step > 0 else reversed(intervals):
                if step > 0:
                    if e <= ts:
                        continue
                    begin = max(s, ts)
                    if e - begin >= left:
                        return _from_ts(begin + left)
                    left -= e - begin
                    ts = e
                else:
                    if s >= ts:
                        continue
                    finish = min(e, ts)
                    if finish - s >= left:
                        return _from_ts(finish - left)
                    left -= finish - s
                    ts = s
            if step > 0:
                # Jump over whole days with the running totals, then finish in that day.
                day, left = self._skip_days(day + timedelta(days=1), left)
                ts = float("-inf")
                continue
            day += timedelta(days=step)
        raise ValueError("the calendar has no open hours within three years")

    def _skip_days(self, day: date, left: float) -> tuple[date, float]:
        """The day (from ``day`` on) in which ``left`` more open seconds run out,
        and the seconds still to go at its start."""
        base = self._open_before(day)
        target = base + left
        totals = self._totals
        limit = day.toordinal() - self._origin[0] + SEARCH_DAYS
        while totals[-1] < target and len(totals) < limit:
            self._open_before(date.fromordinal(self._origin[0] + len(totals)))
        if totals[-1] < target:
            raise ValueError("the calendar has no open hours within three years")
        index = bisect_left(totals, target) - 1
        index = max(index, day.toordinal() - self._origin[0])
        return date.fromordinal(self._origin[0] + index), target - totals[index]

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        a, b = _aware(start).timestamp(), _aware(end).timestamp()
        if b < a:
            return -self.minutes_between(end, start)
        first, last = self.local_date(start), self.local_date(end)
        if first == last:
            return _within(self.open_intervals(first), a, b) / 60
        # Partial first and last days, whole days between from the running totals.
        total = _within(self.open_intervals(first), a, b) + _within(self.open_intervals(last), a, b)
        if (last - first).days > 1:
            total += self._open_before(last) - self._open_before(first + timedelta(days=1))
        return total / 60


def _within(intervals: tuple[tuple[float, float], ...], a: float, b: float) -> float:
    total = 0.0
    for s, e in intervals:
        lo, hi = max(s, a), min(e, b)
        if hi > lo:
            total += hi - lo
    return total


def _intervals(calendar: BusinessCalendar, day: date) -> tuple[tuple[float, float], ...]:
    zone = calendar._zone
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    result = []
    for start, end in calendar._hours_of(day):
        begin = _local(day, start, zone)
        finish = _local(day, end, zone) if end < 24 * 60 else midnight + timedelta(days=1)
        result.append((begin.timestamp(), _normalise(finish, zone).timestamp()))
    return tuple(result)


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)


def _normalise(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(UTC).astimezone(zone)


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business time needs aware datetimes (UTC)")
    return instant


def _from_ts(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def day_hours(hours: Sequence[Sequence[str]], breaks: Sequence[Sequence[str]] = ()) -> DayHours:
    """A :class:`DayHours` from ``[["09:00", "18:00"]]``-style lists."""
    return DayHours(
        hours=tuple((parse_clock(a), parse_clock(b)) for a, b in hours),
        breaks=tuple((parse_clock(a), parse_clock(b)) for a, b in breaks),
    )


def calendar_from_definition(definition: Mapping[str, object]) -> BusinessCalendar:
    """Build a calendar from its stored/JSON form.

    ``{"timezone": "Asia/Shanghai", "week": {"mon": {"hours": [["09:00","12:00"]],
    "breaks": []}, ...}, "holidays": ["2026-10-01"], "extra_workdays": ["2026-10-10"]}``;
    a weekday left out is closed. Raises :class:`CalendarError` naming the field.
    """
    week_def = definition.get("week") or {}
    if not isinstance(week_def, Mapping):
        raise CalendarError("week", "must map weekday names to hours")
    unknown = set(week_def) - set(WEEKDAYS)
    if unknown:
        raise CalendarError("week", f"unknown weekday {sorted(unknown)[0]!r}")
    week = []
    for name in WEEKDAYS:
        entry = week_def.get(name) or {}
        try:
            week.append(day_hours(entry.get("hours") or [], entry.get("breaks") or []))
        except (ValueError, TypeError, AttributeError) as exc:
            raise CalendarError(name, str(exc)) from exc
    return BusinessCalendar(
        timezone=str(definition.get("timezone") or ""),
        week=tuple(week),
        holidays=_dates("holidays", definition.get("holidays")),
        extra_workdays=_dates("extra_workdays", definition.get("extra_workdays")),
    )


def _dates(name: str, values: object) -> frozenset[date]:
    if values is None:
        return frozenset()
    if not isinstance(values, Iterable) or isinstance(values, str):
        raise CalendarError(name, "must be a list of dates")
    try:
        return frozenset(v if isinstance(v, date) else date.fromisoformat(str(v)) for v in values)
    except ValueError as exc:
        raise CalendarError(name, str(exc)) from exc


def definition_of(calendar: BusinessCalendar) -> dict[str, object]:
    """The JSON form of ``calendar`` (inverse of :func:`calendar_from_definition`)."""
    return {
        "timezone": calendar.timezone,
        "week": {
            name: {
                "hours": [[format_clock(a), format_clock(b)] for a, b in day.hours],
                "breaks": [[format_clock(a), format_clock(b)] for a, b in day.breaks],
            }
            for name, day in zip(WEEKDAYS, calendar.week, strict=True)
            if day.hours
        },
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
        "extra_workdays": sorted(d.isoformat() for d in calendar.extra_workdays),
    }
