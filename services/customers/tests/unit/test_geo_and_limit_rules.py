"""Unit tests of distances, the far check-in flag and the claim limits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_shared.errors import Conflict
from customers.rules import geo, limits, ownership

lat = st.floats(min_value=-89.9, max_value=89.9)
lon = st.floats(min_value=-180, max_value=180)


def test_known_distances():
    # London to Paris is about 344 km.
    assert geo.haversine_m(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343_500, rel=0.01)
    assert geo.haversine_m(10, 10, 10, 10) == 0


@given(a=lat, b=lon, c=lat, d=lon)
def test_distance_is_symmetric_and_bounded(a, b, c, d):
    there = geo.haversine_m(a, b, c, d)
    assert there == pytest.approx(geo.haversine_m(c, d, a, b), abs=1e-6)
    assert 0 <= there <= 20_016_000


@given(a=lat, b=lon, c=lat, d=lon, radius=st.floats(min_value=1, max_value=2_000_000))
def test_the_bounding_box_holds_every_point_within_the_radius(a, b, c, d, radius):
    if geo.haversine_m(a, b, c, d) > radius:
        return
    box = geo.bounding_box(a, b, radius)
    assert box.min_lat - 1e-9 <= c <= box.max_lat + 1e-9
    if box.wraps:
        assert d >= box.min_lon or d <= box.max_lon
    else:
        assert box.min_lon - 1e-9 <= d <= box.max_lon + 1e-9


def test_far_checkins_are_flagged_only_with_a_known_distance():
    assert geo.is_far(501, 500) and not geo.is_far(500, 500) and not geo.is_far(None, 500)


def test_owned_limit_names_the_limit():
    limit = limits.OwnershipLimit(3, False, "team")
    limits.check_owned(limit, 2)
    with pytest.raises(Conflict) as hit:
        limits.check_owned(limit, 3)
    assert hit.value.extensions["limit"] == {
        "name": "max_owned",
        "scope": "team",
        "max": 3,
        "current": 3,
        "include_won": False,
    }
    limits.check_owned(None, 10_000)


def test_the_most_specific_limit_applies():
    user, team, default = (
        limits.OwnershipLimit(n, True, s) for n, s in ((1, "user"), (2, "team"), (3, "default"))
    )
    assert limits.choose_limit(user, team, default) is user
    assert limits.choose_limit(None, team, default) is team
    assert limits.choose_limit(None, None, default) is default


def test_daily_claims_and_lock_cap():
    limits.check_daily_claims(None, 999, "p")
    limits.check_daily_claims(5, 4, "p")
    with pytest.raises(Conflict) as hit:
        limits.check_daily_claims(5, 5, "East")
    assert hit.value.extensions["limit"]["name"] == "daily_claim_limit"
    with pytest.raises(Conflict) as hit:
        limits.check_lock_cap(2, 2)
    assert hit.value.extensions["limit"]["name"] == "lock_cap"


def test_previous_owner_waits_d_days():
    me, now = uuid.uuid4(), datetime(2026, 3, 1, tzinfo=UTC)
    released = now - timedelta(days=2)
    with pytest.raises(Conflict) as hit:
        ownership.check_reclaim(me, released, me, 7, now)
    assert hit.value.extensions["limit"]["name"] == "reclaim_block_days"
    ownership.check_reclaim(me, released, me, 2, now)  # the wait is over
    ownership.check_reclaim(uuid.uuid4(), released, me, 7, now)  # someone else's customer
    ownership.check_reclaim(me, released, me, 0, now)  # no wait configured
