"""Breach prediction: the chance an open ticket's clock runs out, and why.

The estimate compares the business time left on the clock with what tickets
like this one (same category and priority) took before, plus the wait the
work ahead adds: tickets ahead of it in its group's queue and the assignee's
other open tickets, each costing a share of the typical handle time (agents
work several tickets at once: ``PARALLEL``). The chance is the share of past
durations that would not fit. Pure: every figure is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .report_figures import median

PARALLEL = 4
LIKELY = 0.5


@dataclass(frozen=True)
class Situation:
    """What is known about one open ticket's clock now."""

    remaining_minutes: float
    elapsed_minutes: float
    queue_ahead: int
    assignee_open: int
    past_minutes: Sequence[float]  # how long similar tickets' clocks ran to the end


@dataclass(frozen=True)
class Prediction:
    """The chance of a breach, whether it is likely, and the reasons."""

    chance: float
    likely: bool
    reasons: tuple[str, ...]


def predict(situation: Situation, threshold: float = LIKELY) -> Prediction:
    """Estimate the chance that the clock breaches."""
    typical = median(situation.past_minutes) or 0.0
    ahead = situation.queue_ahead + situation.assignee_open
    wait = ahead * typical / PARALLEL
    if situation.remaining_minutes <= 0:
        return Prediction(1.0, True, ("the clock has already run out",))
    if situation.past_minutes:
        misses = sum(
            1
            for past in situation.past_minutes
            if max(0.0, past - situation.elapsed_minutes) + wait > situation.remaining_minutes
        )
        chance = misses / len(situation.past_minutes)
    else:
        chance = 1.0 if wait > situation.remaining_minutes else 0.0
    reasons = [f"{situation.remaining_minutes:.0f} business minutes remain"]
    if situation.past_minutes:
        reasons.append(f"similar tickets took a median of {typical:.0f} business minutes")
    else:
        reasons.append("no similar tickets to learn from yet")
    if situation.queue_ahead:
        reasons.append(f"{situation.queue_ahead} tickets are ahead in the queue")
    if situation.assignee_open:
        reasons.append(f"the assignee holds {situation.assignee_open} other open tickets")
    return Prediction(round(chance, 3), chance >= threshold, tuple(reasons))


def hit_rate(outcomes: Sequence[tuple[bool, bool]]) -> dict[str, float | int | None]:
    """How often predictions (predicted, actual) were right, with precision and recall."""
    total = len(outcomes)
    right = sum(1 for predicted, actual in outcomes if predicted == actual)
    flagged = sum(1 for predicted, _ in outcomes if predicted)
    breached = sum(1 for _, actual in outcomes if actual)
    caught = sum(1 for predicted, actual in outcomes if predicted and actual)
    return {
        "evaluated": total,
        "right": right,
        "accuracy": round(right / total, 4) if total else None,
        "precision": round(caught / flagged, 4) if flagged else None,
        "recall": round(caught / breached, 4) if breached else None,
    }
