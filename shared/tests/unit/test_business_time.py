"""Business-time arithmetic: table tests on real calendars and properties."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_shared.calendars.business_time import (
    BusinessCalendar,
    CalendarError,
    calendar_from_definition,
    day_hours,
)
from crm_shared.calendars.public_holidays import year_of_holidays

LUNCH_WEEK = {
    name: {"hours": [["09:00", "18:00"]], "breaks": [["12:00", "13:00"]]}
    for name in ("mon", "tue", "wed", "thu", "fri")
}


def office(timezone="Europe/Berlin", **extra):
    return calendar_from_definition({"timezone": timezone, "week": LUNCH_WEEK, **extra})


def china_2026():
    year = year_of_holidays("CN", 2026)
    return calendar_from_definition(
        {
            "timezone": "Asia/Shanghai",
            "week": {
                name: {"hours": [["09:00", "12:00"], ["13:30", "18:00"]]}
                for name in ("mon", "tue", "wed", "thu", "fri")
            },
            "holidays": list(year.holidays),
            "extra_workdays": list(year.extra_workdays),
        }
    )


def at(text, tz="+00:00"):
    return datetime.fromisoformat(text + tz).astimezone(UTC)


# Mon-Fri 09:00-18:00 with an hour's lunch, Berlin (UTC+1 in December).
@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        ("2026-12-07T09:00", 60, "2026-12-07T10:00"),  # Monday morning
        ("2026-12-07T11:30", 60, "2026-12-07T13:30"),  # lunch skipped
        ("2026-12-07T17:30", 60, "2026-12-08T09:30"),  # overnight
        ("2026-12-04T17:00", 120, "2026-12-07T10:00"),  # Friday to Monday
        ("2026-12-05T10:00", 30, "2026-12-07T09:30"),  # from a Saturday
        ("2026-12-07T12:15", 10, "2026-12-07T13:10"),  # from inside lunch
        ("2026-12-07T09:00", 8 * 60, "2026-12-07T18:00"),  # a whole day ends at close
        ("2026-12-07T09:00", 5 * 8 * 60, "2026-12-11T18:00"),  # a working week
    ],
)
def test_lunch_calendar_due_times(start, minutes, due):
    calendar = office()
    assert calendar.add_minutes(at(start, "+01:00"), minutes) == at(due, "+01:00")


def test_minutes_between_skips_nights_weekends_and_lunch():
    calendar = office()
    friday, monday = at("2026-12-04T16:00", "+01:00"), at("2026-12-07T14:00", "+01:00")
    assert calendar.minutes_between(friday, monday) == 120 + 4 * 60
    assert calendar.minutes_between(monday, friday) == -(120 + 4 * 60)


def test_a_holiday_is_closed():
    calendar = office(holidays=["2026-12-24", "2026-12-25"])
    start = at("2026-12-23T17:00", "+01:00")
    assert calendar.add_minutes(start, 120) == at("2026-12-28T10:00", "+01:00")


def test_china_2026_knows_the_working_saturdays_and_golden_week():
    year = year_of_holidays("CN", 2026)
    assert {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    } == set(year.extra_workdays)
    assert date(2026, 10, 1) in year.holidays and date(2026, 2, 17) in year.holidays


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        # 30 Sep (Wed) 17:00 + 2 h: golden week 1-7 Oct is off; 8 Oct (Thu) opens.
        ("2026-09-30T17:00", 120, "2026-10-08T10:00"),
        # Fri 9 Oct 17:30 + 1 h: Saturday 10 Oct is a 调休 working day.
        ("2026-10-09T17:30", 60, "2026-10-10T09:30"),
        # Fri 13 Feb 17:00 + 2 h: Saturday 14 Feb works; then Spring Festival off
        # from 15 Feb (Sun) to 23 Feb; Tuesday 24 Feb opens.
        ("2026-02-13T17:30", 60, "2026-02-14T09:30"),
        ("2026-02-14T17:00", 120, "2026-02-24T10:00"),
        # Lunch 12:00-13:30 is skipped.
        ("2026-03-02T11:00", 90, "2026-03-02T14:00"),
        # Sunday 4 Jan works (调休 for New Year).
        ("2026-01-03T10:00", 30, "2026-01-04T09:30"),
    ],
)
def test_china_2026_due_times(start, minutes, due):
    calendar = china_2026()
    assert calendar.add_minutes(at(start, "+08:00"), minutes) == at(due, "+08:00")


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"week": {"mon": {"hours": [["09:00", "13:00"], ["12:00", "18:00"]]}}}, "mon.hours"),
        (
            {"week": {"tue": {"hours": [["09:00", "12:00"]], "breaks": [["12:30", "13:00"]]}}},
            "tue.breaks",
        ),
        ({"week": {"wed": {"hours": [["18:00", "09:00"]]}}}, "wed.hours"),
        ({"week": {"thu": {"hours": [["9am", "18:00"]]}}}, "thu"),
        ({"week": {"mon": {"hours": [["09:00", "18:00"]]}}, "timezone": "Mars/Base"}, "timezone"),
        ({"week": {}}, "week"),
        ({"week": {"funday": {}}}, "week"),
    ],
)
def test_bad_calendars_name_the_field(definition, field):
    definition = {"timezone": "Asia/Shanghai", **definition}
    with pytest.raises(CalendarError) as caught:
        calendar_from_definition(definition)
    assert caught.value.field == field


# Properties, on a calendar with lunch, a holiday and an extra working Saturday.
PROPERTY_CALENDAR = BusinessCalendar(
    timezone="Asia/Shanghai",
    week=tuple([day_hours([["09:00", "12:00"], ["13:30", "18:00"]])] * 5 + [day_hours([])] * 2),
    holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
    extra_workdays=frozenset({date(2026, 10, 10)}),
)
instants = st.datetimes(
    min_value=datetime(2026, 9, 1), max_value=datetime(2026, 11, 30), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
minutes = st.integers(min_value=0, max_value=20 * 60 * 8)


@settings(max_examples=300, deadline=None)
@given(instants, minutes)
def test_adding_then_subtracting_returns_to_an_open_start(start, amount):
    calendar = PROPERTY_CALENDAR
    if not calendar.is_open(start):
        start = calendar.add_minutes(start, 1) - timedelta(minutes=1)
        if not calendar.is_open(start):
            return
    assert calendar.add_minutes(calendar.add_minutes(start, amount), -amount) == start


@settings(max_examples=300, deadline=None)
@given(instants, minutes, minutes)
def test_due_times_are_monotone(start, a, b):
    calendar = PROPERTY_CALENDAR
    small, large = sorted((a, b))
    assert calendar.add_minutes(start, small) <= calendar.add_minutes(start, large)


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(min_value=1, max_value=5000))
def test_minutes_between_measures_what_add_added(start, amount):
    calendar = PROPERTY_CALENDAR
    due = calendar.add_minutes(start, amount)
    assert calendar.minutes_between(start, due) == pytest.approx(amount)
