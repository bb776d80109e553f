"""Breach prediction: more work ahead never lowers the chance; reasons are given."""

from hypothesis import given
from hypothesis import strategies as st

from service_desk.rules.breach_prediction import Situation, hit_rate, predict


def test_a_full_queue_makes_a_breach_likely_and_says_why():
    calm = predict(Situation(120, 10, 0, 0, [30, 40, 50, 60]))
    busy = predict(Situation(120, 10, 6, 5, [30, 40, 50, 60]))
    assert not calm.likely and busy.likely
    assert "6 tickets are ahead in the queue" in busy.reasons
    assert "the assignee holds 5 other open tickets" in busy.reasons
    assert predict(Situation(-5, 100, 0, 0, [])).chance == 1.0


@given(
    st.floats(1, 1000),
    st.floats(0, 1000),
    st.integers(0, 20),
    st.integers(0, 20),
    st.lists(st.floats(0, 2000), max_size=20),
    st.integers(0, 5),
)
def test_more_work_ahead_never_lowers_the_chance(remaining, elapsed, queue, load, past, more):
    base = predict(Situation(remaining, elapsed, queue, load, past))
    busier = predict(Situation(remaining, elapsed, queue + more, load, past))
    assert busier.chance >= base.chance


def test_hit_rate():
    assert hit_rate([(True, True), (False, False), (True, False), (False, True)]) == {
        "evaluated": 4,
        "right": 2,
        "accuracy": 0.5,
        "precision": 0.5,
        "recall": 0.5,
    }
