"""Routing: which group a ticket goes to, and which available agent in it takes it.

Rules are tried by position; the first whose conditions (None: any) all hold
names the group. Within a group, only agents marked available and under the
group's cap of open tickets are candidates:

- ``round_robin``: the candidate assigned longest ago (never first);
- ``least_open``: the candidate with the fewest open tickets;
- ``skills``: candidates holding every skill the rule asks for, then the
  fewest open tickets.

Ties break on the earliest last assignment, then the id, so the choice is
deterministic.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

STRATEGIES = ("round_robin", "least_open", "skills")


@dataclass(frozen=True)
class RoutingRule:
    """Conditions on a ticket (None: any) and the group it sends matches to."""

    id: uuid.UUID
    position: int
    group_id: uuid.UUID
    category: str | None = None
    priority: str | None = None
    tier: str | None = None
    channel: str | None = None
    product_id: uuid.UUID | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TicketFacts:
    """What routing looks at on a ticket."""

    category: str | None
    priority: str
    tier: str | None
    channel: str
    product_id: uuid.UUID | None


@dataclass(frozen=True)
class AgentLoad:
    """An agent of a group as routing sees them."""

    id: uuid.UUID
    available: bool
    open_tickets: int
    last_assigned_at: datetime | None
    skills: frozenset[str] = field(default_factory=frozenset)


def matches(rule: RoutingRule, ticket: TicketFacts) -> bool:
    """True when every condition the rule sets holds."""
    return all(
        want is None or want == have
        for want, have in (
            (rule.category, ticket.category),
            (rule.priority, ticket.priority),
            (rule.tier, ticket.tier),
            (rule.channel, ticket.channel),
            (rule.product_id, ticket.product_id),
        )
    )


def choose_rule(rules: Sequence[RoutingRule], ticket: TicketFacts) -> RoutingRule | None:
    """The first matching rule by position (then id)."""
    for rule in sorted(rules, key=lambda r: (r.position, str(r.id))):
        if matches(rule, ticket):
            return rule
    return None


def _recency(agent: AgentLoad) -> tuple[int, float]:
    at = agent.last_assigned_at
    return (0, 0.0) if at is None else (1, at.timestamp())


def choose_agent(
    strategy: str,
    agents: Sequence[AgentLoad],
    *,
    cap: int | None,
    skills: frozenset[str] = frozenset(),
) -> uuid.UUID | None:
    """The agent to take the ticket, or None when nobody is available under the cap."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown routing strategy {strategy!r}")
    candidates = [a for a in agents if a.available and (cap is None or a.open_tickets < cap)]
    if strategy == "skills":
        candidates = [a for a in candidates if skills <= a.skills]
    if not candidates:
        return None

    def key(agent: AgentLoad) -> tuple[int, tuple[int, float], str]:
        load = 0 if strategy == "round_robin" else agent.open_tickets
        return (load, _recency(agent), str(agent.id))

    return min(candidates, key=key).id
