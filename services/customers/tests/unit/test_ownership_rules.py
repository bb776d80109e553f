"""Unit tests of ownership: what a new owner starts with, and the previous owner's wait."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared.errors import Conflict
from customers.rules import ownership

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
RECYCLING_STATE = {"locked", "locked_at", "recycle_due_at", "recycle_rule", "recycle_warned_for"}


@given(now=times, team=st.none() | st.uuids())
def test_a_new_owner_starts_unlocked_with_no_deadline_and_no_warning(now, team):
    owner = uuid.uuid4()
    values = ownership.new_owner(owner, team, now)
    assert values["owner_id"] == owner and values["team_id"] == team
    assert values["claimed_at"] == values["updated_at"] == now
    assert values["locked"] is False
    assert all(values[k] is None for k in RECYCLING_STATE - {"locked"})


@given(now=times)
def test_back_in_the_pool_it_remembers_who_lost_it_and_when(now):
    previous, pool = uuid.uuid4(), uuid.uuid4()
    values = ownership.back_to_pool(previous, pool, now)
    assert values["owner_id"] is None and values["team_id"] is None
    assert values["pool_id"] == pool and values["previous_owner_id"] == previous
    assert values["released_at"] == now
    assert values.keys() >= RECYCLING_STATE and values["locked"] is False
    # ... which is exactly what the reclaim wait is judged by.
    with pytest.raises(Conflict):
        ownership.check_reclaim(
            values["previous_owner_id"], values["released_at"], previous, 7, now
        )


@given(released=times, days=st.integers(min_value=1, max_value=3650), after=st.integers(0, 5000))
def test_the_previous_owner_waits_exactly_the_pools_days(released, days, after):
    me = uuid.uuid4()
    now = released + timedelta(days=after)
    allowed = ownership.reclaim_allowed_at(me, released, me, days)
    assert allowed == released + timedelta(days=days)
    if after < days:
        with pytest.raises(Conflict) as hit:
            ownership.check_reclaim(me, released, me, days, now)
        assert hit.value.extensions["limit"]["allowed_from"] == allowed.isoformat()
    else:
        ownership.check_reclaim(me, released, me, days, now)
    # Nobody else waits.
    ownership.check_reclaim(me, released, uuid.uuid4(), days, now)
