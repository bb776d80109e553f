"""Ticket lifecycle rules. Plain Python."""

from __future__ import annotations

from crm_shared.errors import Conflict

STATUSES = ("open", "closed")


def check_can_close(status: str) -> None:
    """A ticket closes once; closing it again must not publish a second ``ticket.closed``."""
    if status != "open":
        raise Conflict(f"ticket is already {status}")
