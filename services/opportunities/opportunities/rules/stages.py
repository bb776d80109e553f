"""Which stage moves are allowed: closed deals, pipelines, entry requirements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
STAGE_KINDS = ("open", "won", "lost")
# Fields a stage may require before a deal enters it.
REQUIREMENTS = ("amount", "expected_close_date", "next_step", "decision_maker", "line_items")
CONTACT_ROLES = ("decision_maker", "influencer", "user")

DEFAULT_PIPELINE = "Default"
# (name, kind, probability, forecast category, stale after days, requirements)
DEFAULT_STAGES: tuple[tuple[str, str, int, str, int | None, tuple[str, ...]], ...] = (
    ("qualification", "open", 10, "pipeline", 14, ()),
    ("needs_analysis", "open", 25, "pipeline", 21, ()),
    ("proposal", "open", 50, "best_case", 21, ("amount", "expected_close_date")),
    ("negotiation", "open", 70, "commit", 14, ("amount", "expected_close_date", "decision_maker")),
    ("won", "won", 100, "closed", None, ()),
    ("lost", "lost", 0, "omitted", None, ()),
)


@dataclass(frozen=True)
class DealFacts:
    """What a stage's entry requirements look at."""

    amount_set: bool
    expected_close_date_set: bool
    next_step_set: bool
    has_decision_maker: bool
    has_line_items: bool


def missing_requirements(requirements: Iterable[str], facts: DealFacts) -> list[str]:
    """The required fields a deal lacks to enter a stage, in the stage's order."""
    present = {
        "amount": facts.amount_set,
        "expected_close_date": facts.expected_close_date_set,
        "next_step": facts.next_step_set,
        "decision_maker": facts.has_decision_maker,
        "line_items": facts.has_line_items,
    }
    return [name for name in requirements if not present.get(name, False)]


def close_conflict(status: str) -> str | None:
    """Why an open-only action cannot run on a deal in ``status``, or None.

    A deal is won or lost once; a second click must not publish a second
    ``deal.won``.
    """
    if status != "open":
        return f"opportunity is already {status}"
    return None


def check_pipeline_shape(kinds: list[str]) -> str | None:
    """Why a pipeline's stage kinds are not a valid pipeline, or None.

    A pipeline needs at least one open stage, and exactly one won and one lost
    stage, so win and lose always have somewhere to go.
    """
    if kinds.count("won") != 1 or kinds.count("lost") != 1:
        return "a pipeline needs exactly one won and one lost stage"
    if "open" not in kinds:
        return "a pipeline needs at least one open stage"
    return None
