"""Sign-in throttling rules: how long a caller must wait after failed sign-ins.

Failures slow a username down *from one address* before they refuse it:
the first ``free_failures`` cost nothing, each one after that doubles the
wait before the next try (``first_delay`` seconds, then twice that, ...),
and ``per_user`` failures refuse that pair until the oldest of them leaves
the window. An address failing for many usernames, and a username failing
from addresses it never signed in from, are refused too. Time is passed in.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failures allowed in ``window`` before sign-ins are slowed down, then refused.

    ``per_user`` per username from one address, ``per_client`` per address
    for any usernames, ``per_user_any_address`` per username from addresses
    it never signed in from (a spread-out guessing campaign).
    ``free_failures`` per username from one address before each further try
    waits ``first_delay`` seconds, doubled with every failure.
    """

    window: timedelta = timedelta(minutes=15)
    per_user: int = 5
    per_client: int = 20
    per_user_any_address: int = 50
    free_failures: int = 2
    first_delay: float = 1.0


def _recent(failures: Iterable[datetime], window: timedelta, now: datetime) -> list[datetime]:
    return sorted(at for at in failures if now - at < window)


def _refusal(recent: list[datetime], limit: int, window: timedelta, now: datetime) -> float:
    if len(recent) < limit:
        return 0.0
    # Another try is allowed once enough failures have aged out of the window.
    return (recent[-limit] + window - now).total_seconds()


def slowdown_delay(policy: ThrottlePolicy, failures: int) -> float:
    """Seconds a pair must wait after its latest failure, having failed ``failures`` times."""
    extra = failures - policy.free_failures
    if extra <= 0:
        return 0.0
    return min(policy.first_delay * 2 ** (extra - 1), policy.window.total_seconds())


def _slowdown(policy: ThrottlePolicy, recent: list[datetime], now: datetime) -> float:
    if not recent:
        return 0.0
    return (
        recent[-1] + timedelta(seconds=slowdown_delay(policy, len(recent))) - now
    ).total_seconds()


def retry_after(
    policy: ThrottlePolicy,
    pair_failures: Iterable[datetime],
    client_failures: Iterable[datetime],
    user_failures: Iterable[datetime],
    now: datetime,
) -> int | None:
    """Seconds to wait before the next try, or None when a try is allowed now.

    ``pair_failures`` are the username's failures from this address since
    its last success there; ``client_failures`` the address's failures for
    any username; ``user_failures`` the username's failures from anywhere
    (empty when this address is one the user signed in from).
    """
    pair = _recent(pair_failures, policy.window, now)
    wait = max(
        _slowdown(policy, pair, now),
        _refusal(pair, policy.per_user, policy.window, now),
        _refusal(
            _recent(client_failures, policy.window, now), policy.per_client, policy.window, now
        ),
        _refusal(
            _recent(user_failures, policy.window, now),
            policy.per_user_any_address,
            policy.window,
            now,
        ),
    )
    return math.ceil(wait) if wait > 0 else None
