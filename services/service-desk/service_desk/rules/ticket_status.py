"""Which status a ticket may move to, and when a resolved ticket may reopen."""

from __future__ import annotations

from datetime import datetime, timedelta

STATUSES = ("new", "open", "pending", "resolved", "closed")
TYPES = ("question", "incident", "problem", "request")
PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("api", "email", "form", "phone", "portal")

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending", "resolved", "closed"}),
    "open": frozenset({"pending", "resolved", "closed"}),
    "pending": frozenset({"open", "resolved", "closed"}),
    "resolved": frozenset({"open", "closed"}),
    "closed": frozenset(),
}


class TransitionRefused(ValueError):
    """The move is not allowed; the message says why."""


def check_transition(
    current: str,
    target: str,
    *,
    resolved_at: datetime | None,
    now: datetime,
    reopen_days: int,
) -> None:
    """Refuse a move the lifecycle does not allow (reopen only within ``reopen_days``)."""
    if target not in STATUSES:
        raise TransitionRefused(f"unknown status {target!r}")
    if target == current:
        raise TransitionRefused(f"ticket is already {current}")
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(f"a {current} ticket cannot become {target}")
    late = resolved_at is None or now - resolved_at > timedelta(days=reopen_days)
    if current == "resolved" and target == "open" and late:
        raise TransitionRefused(
            f"a ticket can be reopened only within {reopen_days} days of its resolution"
        )
