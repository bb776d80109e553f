"""The queue guard: a burst passes, a standing queue is cut to a short wait."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crm_shared.request_queue import QueueGuard


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_that_drains_is_not_overload():
    clock = Clock()
    guard = QueueGuard(0.5, target=0.01, clock=clock)
    # Within one interval: long waits, but one request found a thread at once.
    for waited in (0.3, 0.2, 0.0, 0.25):
        assert guard.admit(waited)
        clock.now += 0.02
    clock.now = 0.11
    assert guard.admit(0.2), "the smallest wait was 0: a burst, so the long ceiling holds"
    assert not guard.overloaded


def test_a_standing_queue_cuts_admission_to_five_times_the_target():
    clock = Clock()
    guard = QueueGuard(0.5, target=0.01, clock=clock)
    for waited in (0.2, 0.15, 0.3):  # every request waited: a standing queue
        guard.admit(waited)
        clock.now += 0.03
    clock.now = 0.1
    assert not guard.admit(0.2)
    assert guard.overloaded
    assert guard.admit(0.04)
    # The queue drains: the next interval's smallest wait is under the target.
    clock.now = 0.15
    guard.admit(0.001)
    clock.now = 0.21
    assert guard.admit(0.3)
    assert not guard.overloaded


def test_an_idle_interval_is_not_overload():
    clock = Clock()
    guard = QueueGuard(0.5, target=0.01, clock=clock)
    clock.now = 5.0
    assert guard.admit(0.4)


@given(st.lists(st.floats(min_value=0, max_value=2), max_size=50), st.floats(0.05, 1.0))
def test_nothing_past_the_ceiling_is_ever_admitted(waits, ceiling):
    clock = Clock()
    guard = QueueGuard(ceiling, target=0.01, clock=clock)
    for waited in waits:
        clock.now += 0.013
        assert guard.admit(waited) <= (waited <= ceiling)


@given(st.lists(st.floats(min_value=0, max_value=2), max_size=50))
def test_without_a_target_only_the_ceiling_counts(waits):
    clock = Clock()
    guard = QueueGuard(0.5, clock=clock)
    for waited in waits:
        clock.now += 0.05
        assert guard.admit(waited) == (waited <= 0.5)
