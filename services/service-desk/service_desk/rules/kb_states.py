"""Knowledge-base article states: draft → in review → published → archived."""

from __future__ import annotations

STATES = ("draft", "in_review", "published", "archived")
VISIBILITIES = ("internal", "public")

MOVES: dict[str, frozenset[str]] = {
    "draft": frozenset({"in_review", "archived"}),
    "in_review": frozenset({"draft", "published", "archived"}),
    "published": frozenset({"draft", "archived"}),
    "archived": frozenset({"draft"}),
}


def can_move(current: str, target: str) -> bool:
    """Whether an article in ``current`` may move to ``target``."""
    return target in MOVES.get(current, frozenset())
