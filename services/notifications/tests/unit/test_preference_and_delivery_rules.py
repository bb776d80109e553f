"""Quiet hours, digests, channels per event type, backoff, pausing, batches, templates."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from notifications.rules.delivery import Rendered, backoff, combine, gives_up, should_pause
from notifications.rules.preferences import (
    Choices,
    channels_for,
    due_at,
    next_digest,
    preference_errors,
    quiet_until,
)
from notifications.rules.templates import DEFAULTS, Source, fallback, render, syntax_error

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour, minute=0, day=3):
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_quiet_hours_wrapping_midnight_end_next_morning_local_time():
    quiet = Choices(quiet_start="22:00", quiet_end="08:00", timezone="Asia/Shanghai")
    assert quiet_until(quiet, at(23, 30)) == at(8, day=4)
    assert quiet_until(quiet, at(7, 59)) == at(8)
    assert quiet_until(quiet, at(8)) is None
    assert quiet_until(quiet, at(12)) is None


def test_quiet_hours_within_a_day_and_none():
    lunch = Choices(quiet_start="12:00", quiet_end="13:30")
    assert quiet_until(lunch, at(12, 15)) == at(13, 30)
    assert quiet_until(lunch, at(14)) is None
    assert quiet_until(Choices(), at(3)) is None
    assert quiet_until(Choices(quiet_start="09:00", quiet_end="09:00"), at(9)) is None


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(0, 23),
    st.integers(0, 23),
    st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]),
)
def test_held_messages_go_at_the_end_of_quiet_hours_never_before_now(now, start, end, tz):
    choices = Choices(quiet_start=f"{start:02d}:00", quiet_end=f"{end:02d}:00", timezone=tz)
    until = quiet_until(choices, now)
    if until is not None:
        assert until > now
        assert until - now <= timedelta(hours=25)
        assert quiet_until(choices, until) is None or start == end


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    st.integers(0, 23),
)
def test_the_digest_goes_within_a_day_at_its_local_hour(now, hour):
    choices = Choices(digest=True, digest_hour=hour, timezone="Asia/Shanghai")
    when = next_digest(choices, now)
    assert now < when <= now + timedelta(hours=25)
    assert when.astimezone(SHANGHAI).hour == hour


def test_due_at_in_app_never_waits_email_waits_the_window_or_the_digest():
    now = at(10)
    assert due_at(Choices(), "in_app", now, 30) == (now, None)
    assert due_at(Choices(), "email", now, 30) == (now + timedelta(seconds=30), None)
    when, held = due_at(Choices(digest=True, digest_hour=9), "email", now, 30)
    assert held == "digest" and when == at(9, day=4)
    quiet = Choices(quiet_start="09:00", quiet_end="18:00")
    assert due_at(quiet, "email", now, 30) == (at(18), "quiet_hours")


def test_channels_default_on_and_switched_per_event_type():
    mine = Choices(channels={"lead.assigned": {"email": False, "wecom": True}})
    assert channels_for(mine, "lead.assigned", ["in_app", "email", "wecom"]) == ["in_app", "wecom"]
    assert channels_for(mine, "task.reminder_due", ["in_app", "email", "wecom"]) == [
        "in_app",
        "email",
    ]


def test_preference_errors_name_fields():
    errors = preference_errors(
        {"channels": {"no.such": {}}, "timezone": "X/Y", "language": "de", "quiet_start": "7"},
        ["lead.assigned"],
        ["in_app", "email"],
    )
    assert set(errors) >= {"channels.no.such", "timezone", "language", "quiet_start"}
    assert preference_errors({"timezone": "Asia/Shanghai"}, [], []) == {}


@given(st.integers(1, 60))
def test_backoff_grows_and_is_capped(attempts):
    assert backoff(attempts, 30, 3600) <= timedelta(seconds=3600)
    assert backoff(attempts + 1, 30, 3600) >= backoff(attempts, 30, 3600)
    assert backoff(1, 30, 3600) == timedelta(seconds=30)


def test_giving_up_and_pausing():
    assert gives_up(3, 3, True) and gives_up(1, 5, False) and not gives_up(2, 3, True)
    assert should_pause(20, 20) and not should_pause(19, 20) and not should_pause(99, 0)


@given(st.integers(2, 200))
def test_a_batch_is_one_message_counting_every_item(count):
    items = [Rendered("lead.assigned", f"线索 {i}", "t", "<p>t</p>") for i in range(count)]
    message = combine(items, "zh-CN", "batch")
    assert message.subject == f"{count} 条线索分配"
    assert message.text.count("线索 ") == min(count, 50)
    assert combine(items, "en", "digest").subject == f"Daily digest: Lead assigned ({count})"


def test_every_default_template_renders_in_both_languages_on_empty_data():
    for event_type, languages in DEFAULTS.items():
        assert set(languages) == {"zh-CN", "en"}
        for language, source in languages.items():
            rendered, error = render(event_type, source, {}, language, None)
            assert error is None and rendered.subject, (event_type, language)


def test_a_broken_template_falls_back_and_reports():
    rendered, error = render(
        "lead.assigned", Source("{{ 1/0 }}", "x"), {"lead_id": "L1"}, "zh-CN", None
    )
    assert error and "ZeroDivisionError" in error
    assert rendered.subject == "线索分配" and "lead_id: L1" in rendered.text
    assert fallback("lead.assigned", {}, "en").subject == "Lead assigned"
    assert syntax_error("{% if %}") and syntax_error("{{ a }}") is None


def test_the_sandbox_refuses_reaching_into_python():
    _rendered, error = render(
        "lead.assigned", Source("{{ ''.__class__.__mro__ }}", "x"), {}, "en", None
    )
    assert error and "SecurityError" in error
    html_escaped, _ = render(
        "lead.assigned",
        Source("s", "t", "<b>{{ lead_id }}</b>"),
        {"lead_id": "<script>"},
        "en",
        None,
    )
    assert "&lt;script&gt;" in html_escaped.html
