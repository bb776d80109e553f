"""The sign-in throttling rule: slow down, then refuse, per username and address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crm_gateway.rules.throttle import ThrottlePolicy, retry_after, slowdown_delay

POLICY = ThrottlePolicy()  # 2 free failures, then 1 s, 2 s, ...; refused at 5
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def pair(*seconds_ago: float) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds_ago]


def wait(pair_failures, client=(), user=()) -> int | None:
    return retry_after(POLICY, pair_failures, client, user, NOW)


def test_the_first_failures_cost_nothing():
    assert wait([]) is None
    assert wait(pair(0.1)) is None
    assert wait(pair(0.2, 0.1)) is None


def test_each_further_failure_doubles_the_wait_before_the_next_try():
    assert wait(pair(0.3, 0.2, 0.0)) == 1
    assert wait(pair(0.3, 0.2, 0.1, 0.0)) == 2
    # Once the wait has passed, the next try is allowed.
    assert wait(pair(9, 8, 2.5, 2.1)) is None


def test_enough_failures_refuse_until_the_oldest_leaves_the_window():
    refused = wait(pair(600, 400, 300, 200, 100))
    assert refused == 15 * 60 - 600
    # The oldest aged out: four failures remain, the last 100 s ago, past its 2 s wait.
    assert wait(pair(901, 400, 300, 200, 100)) is None
    # Refusal counts only this pair: the address and the username alone are under their limits.
    assert wait(pair(400), client=pair(*range(19)), user=pair(*range(49))) is None
    assert wait(pair(400), client=pair(*range(20))) is not None


@given(st.lists(st.floats(min_value=0, max_value=899), max_size=12))
def test_a_try_is_refused_at_most_until_the_window_has_passed(ages):
    answer = wait(pair(*ages))
    assert answer is None or 0 < answer <= 15 * 60


@given(st.integers(min_value=0, max_value=30))
def test_the_delay_never_shrinks_as_failures_grow(failures):
    assert slowdown_delay(POLICY, failures + 1) >= slowdown_delay(POLICY, failures)
    assert slowdown_delay(POLICY, failures) <= POLICY.window.total_seconds()


@given(st.integers(min_value=3, max_value=4), st.floats(min_value=0, max_value=100))
def test_a_slowed_pair_may_try_again_exactly_when_its_delay_has_passed(failures, since):
    ages = [since + slowdown_delay(POLICY, failures) + 0.001 + i for i in range(failures)]
    assert wait(pair(*ages)) is None
    ages = [max(0.0, slowdown_delay(POLICY, failures) - 0.5)] + [
        500.0 + i for i in range(1, failures)
    ]
    assert wait(pair(*ages)) is not None
