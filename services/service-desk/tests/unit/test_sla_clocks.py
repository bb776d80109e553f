"""SLA clocks from status history: pauses, replies, reopen, and properties."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_shared.calendars.business_time import calendar_from_definition
from service_desk.rules.sla_clocks import PublicMessage, StatusChange, Targets, compute_clocks

CALENDAR = calendar_from_definition(
    {
        "timezone": "UTC",
        "week": {
            d: {"hours": [["09:00", "18:00"]], "breaks": [["12:00", "13:00"]]}
            for d in ("mon", "tue", "wed", "thu", "fri")
        },
    }
)
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TARGETS = Targets(first_response=60, next_response=120, resolution=8 * 60)


def h(hours):
    return MONDAY + timedelta(hours=hours)


def clocks(history, messages=(), now=None):
    found = compute_clocks(
        opened_at=MONDAY,
        history=[StatusChange(MONDAY, "new"), *history],
        messages=list(messages),
        targets=TARGETS,
        calendar=CALENDAR,
        now=now or h(1),
    )
    return {c.key: c for c in found}


def test_a_public_reply_stops_the_first_response_clock():
    found = clocks([StatusChange(h(0.5), "open")], [PublicMessage(h(0.5), True)], now=h(2))
    assert found["first_response"].state == "met"
    assert found["first_response"].elapsed_minutes == 30
    assert found["resolution"].state == "running"


def test_no_reply_in_time_breaches_first_response():
    found = clocks([StatusChange(h(0.1), "open")], now=h(2))
    assert found["first_response"].state == "breached"
    assert found["first_response"].due_at == h(1)


def test_pending_pauses_resolution_and_moves_its_due_time():
    running = clocks([StatusChange(h(0.5), "open")], [PublicMessage(h(0.5), True)], now=h(1))
    paused = clocks(
        [StatusChange(h(0.5), "open"), StatusChange(h(1), "pending")],
        [PublicMessage(h(0.5), True)],
        now=MONDAY + timedelta(days=1, hours=1),
    )
    assert paused["resolution"].state == "paused"
    assert paused["resolution"].elapsed_minutes == 60
    assert paused["resolution"].due_at > running["resolution"].due_at


def test_resolved_stops_and_reopen_resumes_with_a_next_response_clock():
    history = [
        StatusChange(h(0.5), "open"),
        StatusChange(h(2), "resolved"),
        StatusChange(h(24), "open"),
    ]
    found = clocks(history, [PublicMessage(h(0.5), True)], now=h(25))
    assert found["resolution"].state == "running"
    # 2 h before resolution, 1 h (Tue 09:00-10:00) after reopen; lunch on Monday.
    assert found["resolution"].elapsed_minutes == 120 + 60
    assert found["next_response:1"].state == "running"


def test_customer_message_after_a_reply_starts_a_next_response_cycle():
    messages = [PublicMessage(h(0.5), True), PublicMessage(h(1), False), PublicMessage(h(5), True)]
    found = clocks([StatusChange(h(0.5), "open")], messages, now=h(6))
    cycle = found["next_response:1"]
    # 10:00 to 14:00 with lunch is three business hours: over the two-hour target.
    assert cycle.state == "breached" and cycle.elapsed_minutes == 180


changes = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=60 * 24 * 10), st.sampled_from(["open", "pending"])
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(changes, st.integers(min_value=1, max_value=60 * 24 * 3))
def test_a_pause_never_shortens_a_due_time(history, pause_minutes):
    """Inserting a pending interval into any history never makes resolution due earlier."""
    base = [StatusChange(MONDAY + timedelta(minutes=m), s) for m, s in sorted(history)]
    last = max([c.at for c in base], default=MONDAY)
    now = last + timedelta(days=20)
    pause_at = last + timedelta(minutes=1)
    paused = [
        *base,
        StatusChange(pause_at, "pending"),
        StatusChange(pause_at + timedelta(minutes=pause_minutes), "open"),
    ]
    resumed = [*base, StatusChange(pause_at, "open")]
    kwargs = {"opened_at": MONDAY, "messages": [], "targets": TARGETS, "calendar": CALENDAR}
    without = compute_clocks(history=resumed, now=now, **kwargs)[-1]
    with_pause = compute_clocks(history=paused, now=now, **kwargs)[-1]
    assert with_pause.due_at >= without.due_at
