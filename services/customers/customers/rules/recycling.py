"""The public pool's recycling rules: when an owned customer goes back to the pool.

Rules are data (kept per pool, switchable, with days per customer tier) and
:func:`evaluate` is a pure function of a customer's facts, the rules and the
time, so the worker's job, the on-demand run and the tests all apply the same
decision. Plain Python: no Flask, SQL or bus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

TIERS = ("high_value", "potential", "at_risk", "churned")
RULE_NAMES = ("no_followup", "no_opportunity", "not_won")

Action = Literal["keep", "warn", "recycle"]


@dataclass(frozen=True)
class ClockRule:
    """One switchable rule: after ``days`` (or the tier's own days) without X, recycle.

    Days may be 0: the customer is due as soon as the clock starts (for a
    tier the pool wants back at once, such as churned customers).
    """

    enabled: bool = False
    days: int = 30
    days_by_tier: Mapping[str, int] = field(default_factory=dict)

    def days_for(self, tier: str | None) -> int:
        """The days that apply to a customer of ``tier``."""
        if tier is not None and tier in self.days_by_tier:
            return int(self.days_by_tier[tier])
        return int(self.days)


@dataclass(frozen=True)
class PoolRules:
    """Everything a pool decides about its customers: recycling, claiming, locking."""

    no_followup: ClockRule = field(default_factory=lambda: ClockRule(enabled=True, days=30))
    no_opportunity: ClockRule = field(default_factory=lambda: ClockRule(days=60))
    not_won: ClockRule = field(default_factory=lambda: ClockRule(days=180))
    exempt_open_opportunity: bool = True
    exempt_won: bool = True
    warn_days: int = 3
    lock_cap: int = 5
    reclaim_block_days: int = 7
    daily_claim_limit: int | None = 20

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PoolRules:
        """Rules from their stored JSON form; missing parts take the defaults."""
        data = dict(data or {})
        base = cls()
        values: dict[str, Any] = {}
        for name in RULE_NAMES:
            default: ClockRule = getattr(base, name)
            raw = data.get(name) or {}
            values[name] = ClockRule(
                enabled=bool(raw.get("enabled", default.enabled)),
                days=int(raw.get("days", default.days)),
                days_by_tier=dict(raw.get("days_by_tier") or {}),
            )
        for name in (
            "exempt_open_opportunity",
            "exempt_won",
            "warn_days",
            "lock_cap",
            "reclaim_block_days",
            "daily_claim_limit",
        ):
            values[name] = data.get(name, getattr(base, name))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept on the pool."""
        out: dict[str, Any] = {}
        for name in RULE_NAMES:
            rule: ClockRule = getattr(self, name)
            out[name] = {
                "enabled": rule.enabled,
                "days": rule.days,
                "days_by_tier": dict(rule.days_by_tier),
            }
        out.update(
            exempt_open_opportunity=self.exempt_open_opportunity,
            exempt_won=self.exempt_won,
            warn_days=self.warn_days,
            lock_cap=self.lock_cap,
            reclaim_block_days=self.reclaim_block_days,
            daily_claim_limit=self.daily_claim_limit,
        )
        return out


@dataclass(frozen=True)
class Facts:
    """What the rules look at about one customer."""

    owner_id: object | None
    owned_since: datetime | None
    tier: str | None = None
    last_followup_at: datetime | None = None
    last_opportunity_at: datetime | None = None
    last_won_at: datetime | None = None
    open_opportunities: int = 0
    won_deals: int = 0
    locked: bool = False


@dataclass(frozen=True)
class Decision:
    """What to do with a customer now, why, and when its earliest rule falls due."""

    action: Action
    reason: str
    rule: str | None = None
    due_at: datetime | None = None


def _plural(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def deadlines(facts: Facts, rules: PoolRules) -> list[tuple[datetime, str, str]]:
    """(due time, rule, reason) for each enabled rule the customer has not yet satisfied."""
    since = facts.owned_since
    if since is None:
        return []
    tier_note = f" (tier {facts.tier})" if facts.tier else ""
    found: list[tuple[datetime, str, str]] = []
    if rules.no_followup.enabled:
        days = rules.no_followup.days_for(facts.tier)
        # The clock restarts at the later of the claim and the last follow-up:
        # a follow-up logged before this owner took the customer does not count.
        start = max(since, facts.last_followup_at) if facts.last_followup_at else since
        found.append(
            (
                start + timedelta(days=days),
                "no_followup",
                f"no follow-up for {_plural(days)}{tier_note}",
            )
        )
    if rules.no_opportunity.enabled and not (
        facts.last_opportunity_at is not None and facts.last_opportunity_at >= since
    ):
        days = rules.no_opportunity.days_for(facts.tier)
        found.append(
            (
                since + timedelta(days=days),
                "no_opportunity",
                f"no new opportunity within {_plural(days)} of the claim{tier_note}",
            )
        )
    if rules.not_won.enabled and not (facts.last_won_at is not None and facts.last_won_at >= since):
        days = rules.not_won.days_for(facts.tier)
        found.append(
            (
                since + timedelta(days=days),
                "not_won",
                f"no deal won within {_plural(days)} of the claim{tier_note}",
            )
        )
    return found


def evaluate(facts: Facts, rules: PoolRules, now: datetime) -> Decision:
    """Whether to keep, warn about or recycle a customer at ``now``, and why."""
    if facts.owner_id is None:
        return Decision("keep", "already in the pool")
    if facts.locked:
        return Decision("keep", "locked by its owner against recycling")
    if rules.exempt_open_opportunity and facts.open_opportunities > 0:
        return Decision("keep", "exempt: has an open opportunity")
    if rules.exempt_won and facts.won_deals > 0:
        return Decision("keep", "exempt: has a won deal")
    pending = deadlines(facts, rules)
    if not pending:
        return Decision("keep", "no recycling rule applies")
    due_at, rule, reason = min(pending, key=lambda item: (item[0], item[1]))
    if now >= due_at:
        return Decision("recycle", reason, rule, due_at)
    if rules.warn_days > 0 and now >= due_at - timedelta(days=rules.warn_days):
        return Decision(
            "warn", f"will be recycled on {due_at.date().isoformat()}: {reason}", rule, due_at
        )
    return Decision("keep", f"next rule due on {due_at.date().isoformat()}: {reason}", rule, due_at)
