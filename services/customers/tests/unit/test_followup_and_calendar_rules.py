"""Unit tests of the follow-up, task and calendar rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared.errors import ValidationFailed
from customers.rules import calendars, followups, tasks

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


def _field(call) -> str:
    with pytest.raises(ValidationFailed) as hit:
        call()
    assert hit.value.errors is not None
    return hit.value.errors[0]["field"]


def test_a_follow_up_may_not_come_from_the_future_beyond_the_clock_skew():
    followups.check_times(NOW + followups.CLOCK_SKEW, None, NOW)  # phones drift a little
    skewed = NOW + followups.CLOCK_SKEW + timedelta(seconds=1)
    assert _field(lambda: followups.check_times(skewed, None, NOW)) == "occurred_at"


def test_the_next_follow_up_comes_after_this_one():
    assert _field(lambda: followups.check_times(NOW, NOW, NOW)) == "next_followup_at"
    followups.check_times(NOW, NOW + timedelta(minutes=1), NOW)


@given(current=st.none() | times, occurred=times)
def test_the_latest_follow_up_wins_whatever_the_order_of_logging(current, occurred):
    latest = followups.latest(current, occurred)
    assert latest == (occurred if current is None else max(current, occurred))
    assert followups.latest(latest, occurred) == latest  # logging it twice changes nothing


@given(due=times, minutes=st.integers(min_value=0, max_value=7 * 24 * 60))
def test_a_planned_follow_up_reminds_the_configured_minutes_before(due, minutes):
    at = followups.reminder_at(due, minutes)
    assert at is None if minutes == 0 else at == due - timedelta(minutes=minutes)


def test_a_planned_follow_up_title_fits_the_task_title():
    assert followups.planned_title("华为技术有限公司") == "Follow up: 华为技术有限公司"
    assert len(followups.planned_title("x" * 500)) == 200


def test_a_task_reminder_is_a_time_minutes_before_or_none():
    due = NOW
    assert tasks.remind_at({"remind_at": due - timedelta(hours=1)}, due) == due - timedelta(hours=1)
    assert tasks.remind_at({"remind_minutes_before": 15}, due) == due - timedelta(minutes=15)
    assert tasks.remind_at({}, due) is None
    late = {"remind_at": due + timedelta(seconds=1)}
    assert _field(lambda: tasks.remind_at(late, due)) == "remind_at"


def test_without_a_date_the_period_is_the_one_holding_now_in_the_callers_zone():
    # 20:00 UTC is already 4 o'clock on 3 December in Shanghai.
    start, end = calendars.period("day", None, "Asia/Shanghai", NOW)
    assert (start, end) == (
        datetime(2026, 12, 2, 16, tzinfo=UTC),
        datetime(2026, 12, 3, 16, tzinfo=UTC),
    )
    start, _ = calendars.period("day", None, "UTC", NOW)
    assert start == datetime(2026, 12, 2, tzinfo=UTC)


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1)))
def test_weeks_start_on_monday_and_months_on_the_first(day):
    start, end = calendars.period("week", day, "Asia/Shanghai", NOW)
    assert (end - start) == timedelta(days=7)
    assert (start + timedelta(hours=8)).weekday() == 0
    start, end = calendars.period("month", day, "UTC", NOW)
    assert (
        start.day == 1
        and end.day == 1
        and start <= datetime.combine(day, datetime.min.time(), UTC) < end
    )


def test_calendar_ranges_and_zones_are_checked():
    assert _field(lambda: calendars.period("day", None, "Mars/Olympus", NOW)) == "tz"
    assert _field(lambda: calendars.check_range(NOW, NOW)) == "to"
    assert _field(lambda: calendars.check_range(NOW, NOW + timedelta(days=63))) == "to"
    calendars.check_range(NOW, NOW + calendars.MAX_RANGE)
    assert calendars.feed_window(NOW) == (NOW - timedelta(days=30), NOW + timedelta(days=365))
