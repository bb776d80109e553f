"""Unit tests of the pool analysis: entry reasons, waits, weeks, and wins after claims."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from customers.rules import pool_analytics as pa

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)  # a Monday
REP, OTHER = uuid.uuid4(), uuid.uuid4()


def change(cid, action, hours, to=None, frm=None, rule=None):
    return pa.Change(cid, action, T0 + timedelta(hours=hours), to, frm, rule)


def test_a_claim_waits_from_the_change_that_put_the_customer_in_the_pool():
    a, b = uuid.uuid4(), uuid.uuid4()
    claims = pa.claims_of(
        [
            # Given out of order: each customer's history is read oldest first.
            change(a, "claimed", 30, to=REP),
            change(a, "created", 0),
            change(b, "created", 0, to=OTHER),
            change(b, "recycled", 10, frm=OTHER, rule="no_followup"),
            change(b, "claimed", 16, to=REP),
            change(b, "released", 20, frm=REP),
            change(b, "claimed", 21, to=OTHER),
        ]
    )
    by_key = {(c.customer_id, c.at): c for c in claims}
    first = by_key[(a, T0 + timedelta(hours=30))]
    assert first.reason == "new" and first.waited == timedelta(hours=30) and first.ends_at is None
    second = by_key[(b, T0 + timedelta(hours=16))]
    assert second.reason == "no_followup" and second.waited == timedelta(hours=6)
    assert second.ends_at == T0 + timedelta(hours=20)
    third = by_key[(b, T0 + timedelta(hours=21))]
    assert third.reason == "released" and third.waited == timedelta(hours=1)
    assert pa.median_hours(c.waited for c in claims) == 6


def test_a_recycle_without_its_rule_and_a_claim_without_an_entry_are_named():
    c = uuid.uuid4()
    [old] = pa.claims_of([change(c, "recycled", 0), change(c, "claimed", 2, to=REP)])
    assert old.reason == "recycled"
    [orphan] = pa.claims_of([change(c, "claimed", 2, to=REP)])
    assert orphan.reason == "new" and orphan.waited is None
    assert pa.median_hours([orphan.waited]) is None


def test_wins_count_only_while_the_claimer_held_the_customer():
    c = uuid.uuid4()
    history = [
        change(c, "created", 0),
        change(c, "claimed", 1, to=REP),
        change(c, "released", 50, frm=REP),
        change(c, "claimed", 60, to=OTHER),
    ]
    wins = [
        pa.Win(c, T0 + timedelta(hours=10), Decimal("100"), "USD"),
        pa.Win(c, T0 + timedelta(hours=20), Decimal("5"), "EUR"),
        pa.Win(c, T0 + timedelta(hours=70), Decimal("1"), "USD"),
        pa.Win(uuid.uuid4(), T0 + timedelta(hours=10), Decimal("9"), "USD"),
    ]
    rows = pa.by_reason(pa.claims_of(history), wins)
    assert [(r.reason, r.claims, r.claims_won, r.deals_won, r.won) for r in rows] == [
        ("new", 1, 1, 2, {"USD": Decimal("100"), "EUR": Decimal("5")}),
        ("released", 1, 1, 1, {"USD": Decimal("1")}),
    ]


def test_weeks_are_listed_even_when_empty_and_a_team_counts_its_own():
    c = uuid.uuid4()
    changes = [
        change(c, "claimed", 0, to=REP),
        change(c, "recycled", 24 * 8, frm=REP),
        change(c, "claimed", 24 * 9, to=OTHER),
        change(c, "released", 24 * 9, frm=OTHER),
    ]
    start, end = date(2026, 11, 1), date(2026, 11, 20)
    assert pa.weekly(changes, start, end) == [
        {"week": date(2026, 10, 26), "claims": 0, "recycles": 0},
        {"week": date(2026, 11, 2), "claims": 1, "recycles": 0},
        {"week": date(2026, 11, 9), "claims": 1, "recycles": 1},
        {"week": date(2026, 11, 16), "claims": 0, "recycles": 0},
    ]
    team = pa.weekly(changes, start, end, frozenset({REP}))
    assert [(w["claims"], w["recycles"]) for w in team] == [(0, 0), (1, 0), (0, 1), (0, 0)]
    assert len(pa.in_period(pa.claims_of(changes), start, end, frozenset({OTHER}))) == 1


actions = st.sampled_from(["created", "claimed", "released", "recycled", "transferred"])


@given(
    st.lists(
        st.tuples(st.integers(0, 3), actions, st.integers(0, 2000), st.booleans()), max_size=40
    )
)
def test_every_claim_is_counted_once_under_one_reason(rows):
    customers = [uuid.uuid4() for _ in range(4)]
    changes = [
        change(customers[i], action, hours, to=REP if owned else None)
        for i, action, hours, owned in rows
    ]
    claims = pa.claims_of(changes)
    assert len(claims) == sum(1 for c in changes if c.action == "claimed")
    assert all(c.waited is None or c.waited >= timedelta(0) for c in claims)
    figures = pa.by_reason(claims, [])
    assert sum(r.claims for r in figures) == len(claims)
    start, end = date(2026, 11, 1), date(2027, 1, 1)
    weeks = pa.weekly(changes, start, end)
    assert sum(int(w["claims"]) for w in weeks) == len(pa.in_period(claims, start, end))
    assert all(int(w["claims"]) >= 0 for w in weeks)


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(1, 400))
def test_weeks_cover_the_period_from_mondays(start, days):
    end = start + timedelta(days=days)
    weeks = pa.weeks_between(start, end)
    assert all(w.weekday() == 0 for w in weeks)
    assert weeks[0] <= start < weeks[0] + timedelta(days=7)
    assert weeks[-1] < end <= weeks[-1] + timedelta(days=7)
