"""Login throttling rules: how long a caller must wait after failed sign-ins."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """At most ``per_user`` failures per username, ``per_client`` per address, in ``window``."""

    window: timedelta = timedelta(minutes=15)
    per_user: int = 5
    per_client: int = 20


def _wait(failures: Iterable[datetime], limit: int, window: timedelta, now: datetime) -> float:
    recent = sorted(at for at in failures if now - at < window)
    if len(recent) < limit:
        return 0.0
    # Another try is allowed once enough failures have aged out of the window.
    return (recent[-limit] + window - now).total_seconds()


def retry_after(
    policy: ThrottlePolicy,
    user_failures: Iterable[datetime],
    client_failures: Iterable[datetime],
    now: datetime,
) -> int | None:
    """Seconds to wait before the next try, or None when a try is allowed now.

    ``user_failures`` are the username's failures since its last successful
    sign-in; ``client_failures`` the address's failures for any username.
    """
    wait = max(
        _wait(user_failures, policy.per_user, policy.window, now),
        _wait(client_failures, policy.per_client, policy.window, now),
    )
    return math.ceil(wait) if wait > 0 else None
