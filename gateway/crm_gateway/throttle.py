"""Login throttling rules: how long a caller must wait after failed sign-ins."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failures allowed in ``window`` before sign-ins are refused.

    ``per_user`` per username from one address, ``per_client`` per address
    for any usernames, ``per_user_any_address`` per username from addresses
    it never signed in from (a spread-out guessing campaign).
    """

    window: timedelta = timedelta(minutes=15)
    per_user: int = 5
    per_client: int = 20
    per_user_any_address: int = 50


def _wait(failures: Iterable[datetime], limit: int, window: timedelta, now: datetime) -> float:
    recent = sorted(at for at in failures if now - at < window)
    if len(recent) < limit:
        return 0.0
    # Another try is allowed once enough failures have aged out of the window.
    return (recent[-limit] + window - now).total_seconds()


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
    wait = max(
        _wait(pair_failures, policy.per_user, policy.window, now),
        _wait(client_failures, policy.per_client, policy.window, now),
        _wait(user_failures, policy.per_user_any_address, policy.window, now),
    )
    return math.ceil(wait) if wait > 0 else None
