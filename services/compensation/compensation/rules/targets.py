"""Targets: three levels per metric, allocation down the team, and who may declare."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

METRICS = (
    "won_amount",
    "collected_amount",
    "new_customers",
    "qualified_leads",
    "deals_won",
    "avg_satisfaction",
)
MONEY_METRICS = frozenset({"won_amount", "collected_amount"})
LEVELS = ("target", "stretch", "challenge")


@dataclass(frozen=True)
class Levels:
    """The target (目标), stretch (冲刺) and challenge (挑战) figures of one target."""

    target: Decimal
    stretch: Decimal | None = None
    challenge: Decimal | None = None


def level_errors(levels: Levels) -> list[tuple[str, str]]:
    """(field, message) pairs for levels that are negative or out of order."""
    errors: list[tuple[str, str]] = []
    if levels.target < 0:
        errors.append(("target", "must not be negative"))
    if levels.stretch is not None and levels.stretch < levels.target:
        errors.append(("stretch", "must be at least the target"))
    if levels.challenge is not None:
        floor = levels.stretch if levels.stretch is not None else levels.target
        if levels.challenge < floor:
            errors.append(("challenge", "must be at least the stretch (or the target)"))
    return errors


def allocation_gap(
    team_target: Decimal | None, member_targets: Iterable[Decimal]
) -> Decimal | None:
    """Team target minus what its members were given: positive = unallocated, negative = over."""
    if team_target is None:
        return None
    return team_target - sum(member_targets, Decimal(0))


def may_declare(declarer_id: object, subject_id: object) -> bool:
    """A declaration (申报) is a rep's own: nobody declares for someone else."""
    return declarer_id == subject_id


def achievement(actual: Decimal, goal: Decimal | None) -> Decimal | None:
    """Actual over goal as a ratio (1 = 100%), or None when there is no goal."""
    if goal is None or goal <= 0:
        return None
    return (actual / goal).quantize(Decimal("0.0001"))
