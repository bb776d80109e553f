"""The lead lifecycle: which status moves are allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.rules.lifecycle import (
    OPEN_STATUSES,
    REOPENED_STATUS,
    STATUSES,
    check_can_move,
    is_in_the_future,
    reopens_on_return,
    status_after_follow_up,
)


def test_status_moves():
    check_can_move("new", "contacted")
    check_can_move("contacted", "nurturing")
    from crm_shared.errors import Conflict

    with pytest.raises(Conflict):
        check_can_move("qualified", "contacted")
    assert status_after_follow_up("new", "call") == "contacted"
    assert status_after_follow_up("nurturing", "call") == "nurturing"


def test_an_activity_may_be_a_little_ahead_of_our_clock_but_not_more():
    now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert not is_in_the_future(now + timedelta(minutes=5), now)
    assert is_in_the_future(now + timedelta(minutes=5, seconds=1), now)
    assert not is_in_the_future(now - timedelta(days=30), now)


@given(st.sampled_from(STATUSES))
def test_only_a_disqualified_lead_reopens_when_its_prospect_returns(status):
    assert reopens_on_return(status) == (status == "disqualified")
    assert REOPENED_STATUS in OPEN_STATUSES
