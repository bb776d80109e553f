"""A member's recent record: the conversion rate and response time routing weighs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from leads.rules.member_stats import member_stats

T0 = datetime(2026, 11, 1, tzinfo=UTC)

rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.sampled_from(["new", "contacted", "qualified", "disqualified"]),
        st.just(T0),
        st.one_of(st.none(), st.integers(-60, 10_000).map(lambda m: T0 + timedelta(minutes=m))),
    ),
    max_size=30,
)


@given(rows)
def test_rates_are_shares_and_minutes_never_negative(leads):
    for stats in member_stats(leads).values():
        assert stats.conversion_rate is None or 0 <= stats.conversion_rate <= 1
        assert stats.response_minutes is None or stats.response_minutes >= 0


def test_figures_of_one_member():
    stats = member_stats(
        [
            ("a", "qualified", T0, T0 + timedelta(minutes=10)),
            ("a", "disqualified", T0, T0 + timedelta(minutes=20)),
            ("a", "qualified", T0, None),
            ("a", "new", T0, None),
        ]
    )["a"]
    assert stats.conversion_rate == round(2 / 3, 4)
    assert stats.response_minutes == 15.0


def test_nothing_closed_and_nothing_touched_is_unknown_not_zero():
    stats = member_stats([("b", "new", T0, None)])["b"]
    assert stats.conversion_rate is None and stats.response_minutes is None
