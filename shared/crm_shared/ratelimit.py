"""Rate limits every process of a service shares, counted in its database.

A limit is "at most ``limit`` hits per ``window`` seconds for a key" (a
form key, a client address). Counts live in the platform table
``rate_limit_counters`` as fixed windows, bumped with one atomic upsert, so
any number of web processes on any host see one count and a second process
starting never resets it. The answer says how long to wait when the limit
is reached, for a ``Retry-After`` header.

The check runs in its own short transaction (not the request's), so a
refused request still counts and a request rolled back for another reason
does not undo its hit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from .db import Database
from .errors import TooManyRequests
from .tables import rate_limit_counters


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` hits per ``window`` seconds."""

    limit: int
    window: int = 60


@dataclass(frozen=True)
class Verdict:
    """Whether a hit is allowed, the count in its window, and the wait when not."""

    allowed: bool
    count: int
    retry_after: int


def window_start(now: float, window: int) -> int:
    """The start (epoch seconds) of the fixed window containing ``now``."""
    return int(now // window) * window


def verdict(count: int, rule: Limit, now: float) -> Verdict:
    """Judge the ``count``-th hit of the current window (pure: unit-testable)."""
    if count <= rule.limit:
        return Verdict(True, count, 0)
    wait = window_start(now, rule.window) + rule.window - now
    return Verdict(False, count, max(1, int(wait + 0.999)))


class RateLimiter:
    """Counts hits per key in the service's database."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self._last_prune = 0.0

    def hit(self, key: str, rule: Limit) -> Verdict:
        """Count one hit for ``key`` and judge it against ``rule``."""
        now = self.clock()
        start = window_start(now, rule.window)
        dialect = self.db.dialect
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(rate_limit_counters).values(
            key=key[:200], window_start=start, count=1, expires_at=start + rule.window
        )
        counted = statement.on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": rate_limit_counters.c.count + 1},
        ).returning(rate_limit_counters.c.count)
        with self.db.engine.begin() as conn:
            count = int(conn.execute(counted).scalar_one())
            if now - self._last_prune > 60:
                # Old windows are useless; drop them now and then.
                self._last_prune = now
                conn.execute(
                    delete(rate_limit_counters).where(rate_limit_counters.c.expires_at < now)
                )
        return verdict(count, rule, now)

    def check(self, key: str, rule: Limit, *, what: str = "requests") -> None:
        """Count a hit; raise 429 with ``Retry-After`` when the limit is exceeded."""
        result = self.hit(key, rule)
        if not result.allowed:
            raise TooManyRequests(
                f"too many {what}; try again in {result.retry_after} s",
                retry_after=result.retry_after,
            )
