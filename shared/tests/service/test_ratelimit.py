"""Rate limits shared by every process, counted in the database."""

from __future__ import annotations

import pytest

from crm_shared.db import Database
from crm_shared.errors import TooManyRequests
from crm_shared.ratelimit import Limit, RateLimiter, verdict, window_start
from crm_shared.tables import platform_metadata


def test_verdict_says_how_long_to_wait():
    assert verdict(3, Limit(3, 60), 120.0).allowed
    late = verdict(4, Limit(3, 60), 150.5)
    assert not late.allowed and late.retry_after == 30
    assert window_start(179.9, 60) == 120


def test_two_limiters_on_one_database_share_the_count(tmp_path):
    clock = [1000.0]
    db = Database(f"sqlite:///{tmp_path / 'r.db'}", service="test")
    platform_metadata.create_all(db.engine)
    first, second = RateLimiter(db, clock=lambda: clock[0]), RateLimiter(db, clock=lambda: clock[0])
    rule = Limit(3, 60)
    first.check("k", rule)
    second.check("k", rule)
    first.check("k", rule)
    with pytest.raises(TooManyRequests) as refused:
        second.check("k", rule)
    assert refused.value.headers["Retry-After"] == "20"
    second.check("other", rule)  # keys are counted apart
    clock[0] += 60
    first.check("k", rule)  # a new window
    db.dispose()
