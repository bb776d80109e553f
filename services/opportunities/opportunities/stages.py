"""Opportunity stage rules. Plain Python."""

from __future__ import annotations

from crm_shared.errors import Conflict

STAGES = ("open", "won", "lost")


def check_can_close(stage: str) -> None:
    """A deal is won or lost once; a second click must not publish a second ``deal.won``."""
    if stage != "open":
        raise Conflict(f"opportunity is already {stage}", current_stage=stage)
