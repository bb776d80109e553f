"""Which SLA policy applies to a ticket: the first that matches, by position."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyMatch:
    """What a policy asks of a ticket (None: any)."""

    id: uuid.UUID
    position: int
    priority: str | None
    tier: str | None
    customer_id: uuid.UUID | None


def applies(policy: PolicyMatch, priority: str, tier: str | None, customer_id: uuid.UUID) -> bool:
    """True when every condition the policy sets holds for the ticket."""
    return (
        (policy.priority is None or policy.priority == priority)
        and (policy.tier is None or policy.tier == tier)
        and (policy.customer_id is None or policy.customer_id == customer_id)
    )


def choose_policy(
    policies: Sequence[PolicyMatch], priority: str, tier: str | None, customer_id: uuid.UUID
) -> uuid.UUID | None:
    """The id of the first policy (lowest position, then id) matching the ticket."""
    for policy in sorted(policies, key=lambda p: (p.position, str(p.id))):
        if applies(policy, priority, tier, customer_id):
            return policy.id
    return None
