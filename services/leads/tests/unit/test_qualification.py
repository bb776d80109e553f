"""When a lead qualifies by itself: one rule for the worker and for recorded behaviour."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from leads.rules.lifecycle import CLOSED_STATUSES, OPEN_STATUSES, STATUSES
from leads.rules.qualification import DEFAULTS, should_auto_qualify

settings = st.fixed_dictionaries(
    {
        "auto_qualify": st.booleans(),
        "threshold": st.integers(0, 100),
        "model_enabled": st.booleans(),
        "model_weight": st.floats(0, 1),
    }
)


@given(settings, st.sampled_from(STATUSES), st.integers(0, 100))
def test_qualifies_exactly_when_switched_on_open_and_at_the_threshold(chosen, status, score):
    expected = chosen["auto_qualify"] and status in OPEN_STATUSES and score >= chosen["threshold"]
    assert should_auto_qualify(chosen, status, score) is expected


@given(settings, st.sampled_from(sorted(CLOSED_STATUSES)), st.integers(0, 100))
def test_a_closed_lead_never_qualifies_again(chosen, status, score):
    assert not should_auto_qualify({**chosen, "auto_qualify": True}, status, score)


def test_off_by_default_and_the_threshold_is_inclusive():
    assert not should_auto_qualify(DEFAULTS, "new", 100)
    on = {**DEFAULTS, "auto_qualify": True}
    assert should_auto_qualify(on, "contacted", DEFAULTS["threshold"])
    assert not should_auto_qualify(on, "contacted", DEFAULTS["threshold"] - 1)
