"""A member's recent record: conversion rate and time to first response.

They feed the ``performance`` assignment strategy (:mod:`.assignment`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

CLOSED = ("qualified", "disqualified")


@dataclass(frozen=True)
class MemberStats:
    """Qualified share of closed leads (4 places) and mean minutes to first touch (1 place)."""

    conversion_rate: float | None
    response_minutes: float | None


def member_stats(
    leads: Iterable[tuple[Any, str, datetime | None, datetime | None]],
) -> dict[Any, MemberStats]:
    """Stats per owner from (owner, status, assigned_at, first_touch_at) of their recent leads."""
    per: dict[Any, dict[str, Any]] = {}
    for owner, status, assigned_at, touched_at in leads:
        stats = per.setdefault(owner, {"won": 0, "closed": 0, "minutes": []})
        if status in CLOSED:
            stats["closed"] += 1
            stats["won"] += status == "qualified"
        if touched_at is not None and assigned_at is not None:
            stats["minutes"].append(max(0.0, (touched_at - assigned_at).total_seconds() / 60))
    return {
        owner: MemberStats(
            conversion_rate=round(s["won"] / s["closed"], 4) if s["closed"] else None,
            response_minutes=round(sum(s["minutes"]) / len(s["minutes"]), 1)
            if s["minutes"]
            else None,
        )
        for owner, s in per.items()
    }
