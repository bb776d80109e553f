"""Lead assignment: which rule routes a lead, and which member gets it.

Rules are tried in priority order; the first whose conditions match (an
empty condition matches anything) routes the lead with its strategy:

- ``round_robin``: members in turn;
- ``weighted``: in turn, in proportion to each member's capacity weight;
- ``least_loaded``: the member with the fewest open leads per unit of capacity;
- ``performance``: like weighted, but each weight is scaled by the member's
  recent conversion rate and how quickly they respond, so leads flow
  towards the people who turn them into customers fastest while nobody is
  starved (a floor keeps everyone in rotation).

Only active, accepting members under their open-lead cap are candidates.
Plain Python: the caller locks and persists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .lifecycle import FOLLOW_UPS

STRATEGIES = ("round_robin", "weighted", "least_loaded", "performance")
CONDITION_FIELDS = ("regions", "industries", "product_interests", "sources")


@dataclass(frozen=True)
class Candidate:
    """A member of a rule, as the chooser sees them."""

    user_id: Any
    position: int
    capacity: int = 1
    open_leads: int = 0
    max_open: int | None = None
    assigned: int = 0  # leads this rule gave them so far (for fair shares)
    conversion_rate: float | None = None  # qualified / closed, recent
    response_minutes: float | None = None  # mean time to first follow-up, recent
    active: bool = True

    @property
    def eligible(self) -> bool:
        """Active, accepting and under their cap."""
        return (
            self.active
            and self.capacity > 0
            and (self.max_open is None or self.open_leads < self.max_open)
        )


def _norm(value: Any) -> str:
    return str(value).strip().casefold() if value is not None else ""


def rule_matches(conditions: Mapping[str, Sequence[str]], lead: Mapping[str, Any]) -> bool:
    """Whether a lead meets every non-empty condition of a rule."""
    regions = {_norm(v) for v in conditions.get("regions") or ()}
    if regions and not regions & {
        _norm(lead.get(k)) for k in ("region", "country", "state") if lead.get(k)
    }:
        return False
    pairs = (
        ("industries", "industry"),
        ("product_interests", "product_interest"),
        ("sources", "source"),
    )
    for key, attr in pairs:
        wanted = {_norm(v) for v in conditions.get(key) or ()}
        if wanted and _norm(lead.get(attr)) not in wanted:
            return False
    return True


def performance_factor(
    candidate: Candidate, *, team_conversion: float, target_minutes: float
) -> float:
    """How much more (or less) than par a member should receive, in [0.25, 4].

    Conversion is shrunk towards the team's rate when unknown; a response
    time at the target is neutral, slower lowers and faster raises the share.
    """
    conversion = (
        candidate.conversion_rate if candidate.conversion_rate is not None else team_conversion
    )
    base = max(team_conversion, 0.05)
    conversion_factor = (0.05 + conversion) / (0.05 + base)
    minutes = (
        candidate.response_minutes if candidate.response_minutes is not None else target_minutes
    )
    response_factor = (target_minutes + 1) / (minutes + 1)
    return max(0.25, min(4.0, conversion_factor * response_factor**0.5))


def choose(
    strategy: str,
    candidates: Sequence[Candidate],
    cursor: int,
    *,
    exclude: frozenset[Any] = frozenset(),
    target_minutes: float = 60.0,
) -> Candidate | None:
    """The member who gets the next lead, or None when nobody is eligible.

    ``cursor`` is the rule's round-robin position (the last position served).
    """
    pool = [c for c in candidates if c.eligible and c.user_id not in exclude]
    if not pool:
        return None
    ordered = sorted(pool, key=lambda c: c.position)
    if strategy == "round_robin":
        after = [c for c in ordered if c.position > cursor]
        return (after or ordered)[0]
    if strategy == "least_loaded":
        return min(ordered, key=lambda c: (c.open_leads / c.capacity, c.assigned, c.position))
    if strategy == "performance":
        known = [c.conversion_rate for c in pool if c.conversion_rate is not None]
        team = sum(known) / len(known) if known else 0.2
        weights = {
            c.user_id: c.capacity
            * performance_factor(c, team_conversion=team, target_minutes=target_minutes)
            for c in ordered
        }
    else:  # weighted
        weights = {c.user_id: float(c.capacity) for c in ordered}
    # The member furthest below their fair share goes next.
    return min(ordered, key=lambda c: ((c.assigned + 1) / weights[c.user_id], c.position))


def takes_leads(active: bool, accepting: bool, capacity: int) -> bool:
    """Whether a member is in rotation at all: active, accepting and with capacity."""
    return active and accepting and capacity > 0


def under_cap(open_leads: int, max_open_leads: int | None) -> bool:
    """Whether one more open lead keeps a member within their cap (None: no cap)."""
    return max_open_leads is None or open_leads < max_open_leads


def stops_response_clock(
    kind: str, actor_id: Any, owner_id: Any, first_touch_at: datetime | None
) -> bool:
    """Whether this follow-up is the owner's first touch, stopping the response clock."""
    return kind in FOLLOW_UPS and first_touch_at is None and actor_id == owner_id


def response_due(assigned_at: datetime, response_minutes: int | None) -> datetime | None:
    """When the new owner must have acted by (None: the rule sets no response time)."""
    return assigned_at + timedelta(minutes=response_minutes) if response_minutes else None
