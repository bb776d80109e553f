"""Calibration rules: shrinkage, slip, chance of closing within the period."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from opportunities.rules.calibration import (
    SlipModel,
    chance_within_period,
    shrunk_rate,
    slip_model,
    stage_win_rate,
)

counts = st.integers(min_value=0, max_value=10_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
rates = st.floats(min_value=0, max_value=1)


@given(counts, rates)
def test_shrinkage_lies_between_the_reps_rate_and_the_prior(won_entered, prior):
    won, entered = won_entered
    rate = shrunk_rate(won, entered, prior)
    assert 0 <= rate <= 1
    if entered:
        own = won / entered
        assert min(own, prior) - 1e-12 <= rate <= max(own, prior) + 1e-12


@given(rates)
def test_no_history_is_the_prior(prior):
    assert abs(shrunk_rate(0, 0, prior) - prior) < 1e-12


def test_much_history_outweighs_the_prior():
    assert abs(shrunk_rate(900, 1000, 0.1) - 0.9) < 0.01
    assert abs(shrunk_rate(1, 2, 0.1) - 0.1) < 0.1  # two deals barely move it


@given(st.integers(0, 100), st.none() | counts, st.none() | counts)
def test_stage_win_rate_is_a_probability(probability, team, rep):
    rate = stage_win_rate(
        probability,
        None if team is None else (team[0], team[1]),
        None if rep is None else (rep[0], rep[1]),
    )
    assert 0 <= rate <= 1


@given(
    st.integers(0, 365 * 3),
    st.integers(-400, 400),
    st.floats(0, 1),
    st.floats(1, 365),
)
def test_chance_within_period_is_a_probability_and_grows_with_room(length, offset, rate, days):
    start = date(2026, 1, 1)
    end = start + timedelta(days=length + 1)
    slip = SlipModel(rate=rate, mean_days=days)
    close = start + timedelta(days=offset)
    chance = chance_within_period(close, start, end, slip)
    assert 0 <= chance <= 1
    # The same deal in a longer period is at least as likely to close in it.
    assert chance_within_period(close, start, end + timedelta(days=30), slip) >= chance - 1e-12


def test_a_deal_expected_after_the_period_does_not_count():
    slip = SlipModel(rate=0.5, mean_days=30)
    assert chance_within_period(date(2026, 4, 1), date(2026, 1, 1), date(2026, 4, 1), slip) == 0


def test_a_rep_who_always_slips_is_less_likely_to_close_in_time():
    start, end = date(2026, 1, 1), date(2026, 4, 1)
    close = date(2026, 3, 25)
    punctual = slip_model((50, 0, 0), None)
    late = slip_model((50, 50, 50 * 60), None)
    assert chance_within_period(close, start, end, late) < chance_within_period(
        close, start, end, punctual
    )
