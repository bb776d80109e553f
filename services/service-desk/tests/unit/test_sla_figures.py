"""Running SLA figures read "now" exactly as the clocks computed from the whole history."""

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_shared.calendars.business_time import calendar_from_definition
from crm_shared.calendars.public_holidays import year_of_holidays
from service_desk.rules.sla_clocks import PublicMessage, StatusChange, Targets, compute_clocks
from service_desk.rules.sla_figures import (
    clock_at,
    clock_figures,
    figures_from_json,
    figures_to_json,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
LUNCH = calendar_from_definition(
    {
        "timezone": "UTC",
        "week": {
            d: {"hours": [["09:00", "18:00"]], "breaks": [["12:00", "13:00"]]} for d in WEEKDAYS
        },
    }
)
CHINA = year_of_holidays("CN", 2026)
CHINA_2026 = calendar_from_definition(
    {
        "timezone": "Asia/Shanghai",
        "week": {d: {"hours": [["09:00", "12:00"], ["13:30", "18:00"]]} for d in WEEKDAYS},
        "holidays": sorted(d.isoformat() for d in CHINA.holidays),
        "extra_workdays": sorted(d.isoformat() for d in CHINA.extra_workdays),
    }
)
ALWAYS = calendar_from_definition(
    {
        "timezone": "UTC",
        "week": {d: {"hours": [["00:00", "24:00"]]} for d in (*WEEKDAYS, "sat", "sun")},
    }
)
# Late January 2026: the Spring Festival holiday and its 调休 Saturdays (2-14, 2-28) follow.
START = datetime(2026, 1, 26, 1, 0, tzinfo=UTC)
STATUSES = ["new", "open", "pending", "resolved", "closed"]

minutes = st.integers(min_value=0, max_value=60 * 24 * 45)
histories = st.lists(st.tuples(minutes, st.sampled_from(STATUSES)), max_size=30)
threads = st.lists(st.tuples(minutes, st.booleans()), max_size=12)
targets = st.builds(
    Targets,
    st.none() | st.integers(min_value=1, max_value=600),
    st.none() | st.integers(min_value=1, max_value=900),
    st.none() | st.integers(min_value=1, max_value=60 * 60),
)
calendars = st.sampled_from([LUNCH, CHINA_2026, ALWAYS])


def at(offset: int) -> datetime:
    return START + timedelta(minutes=offset)


@settings(max_examples=300, deadline=None)
@given(histories, threads, targets, calendars, st.integers(min_value=0, max_value=60 * 24 * 60))
def test_figures_read_now_equal_the_clocks_from_the_whole_history(
    history, thread, policy_targets, calendar, now_offset
):
    changes = [StatusChange(START, "new"), *(StatusChange(at(m), s) for m, s in history)]
    messages = [PublicMessage(at(m), by_agent) for m, by_agent in thread]
    last_event = max([c.at for c in changes] + [m.at for m in messages])
    # Read at or after the last event (a change is recorded at the time it happens).
    now = last_event + timedelta(minutes=now_offset)
    expected = compute_clocks(
        opened_at=START,
        history=changes,
        messages=messages,
        targets=policy_targets,
        calendar=calendar,
        now=now,
    )
    folded = clock_figures(
        opened_at=START,
        history=changes,
        messages=messages,
        targets=policy_targets,
        calendar=calendar,
    )
    # Stored as JSON on the ticket row and read back.
    stored = figures_from_json(json.loads(json.dumps(figures_to_json(folded))))
    assert [clock_at(f, calendar, now) for f in stored] == expected


def test_a_pending_spell_over_the_spring_festival_then_a_working_saturday():
    # Opened Fri 2026-02-13 10:00 Beijing; pending from 11:00 until the holiday is over
    # (Tue 02-24); the first figures are folded there, read on 调休 Saturday 02-28.
    beijing = timedelta(hours=8)
    opened = datetime(2026, 2, 13, 10, 0, tzinfo=UTC) - beijing
    changes = [
        StatusChange(opened, "new"),
        StatusChange(opened + timedelta(minutes=30), "open"),
        StatusChange(opened + timedelta(hours=1), "pending"),
        StatusChange(datetime(2026, 2, 24, 9, 0, tzinfo=UTC) - beijing, "open"),
    ]
    messages = [PublicMessage(opened + timedelta(minutes=30), True)]
    now = datetime(2026, 2, 28, 10, 0, tzinfo=UTC) - beijing
    policy = Targets(60, 240, 60 * 9 * 5)
    folded = clock_figures(
        opened_at=opened, history=changes, messages=messages, targets=policy, calendar=CHINA_2026
    )
    read = {f.key: clock_at(f, CHINA_2026, now) for f in folded}
    # The Saturday 02-14 is a working day, but the ticket waited on the customer then.
    # Resolution: 1 h on 02-13, then 02-24..02-27 (4 x 7.5 h) and 1 h on Saturday 02-28.
    assert read["resolution"].elapsed_minutes == 60 + 4 * 450 + 60
    assert read["resolution"].state == "running"
    assert read["first_response"].state == "met"
    expected = compute_clocks(
        opened_at=opened,
        history=changes,
        messages=messages,
        targets=policy,
        calendar=CHINA_2026,
        now=now,
    )
    assert list(read.values()) == expected
