"""When a lead qualifies by itself: the auto-qualification rule and its settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .lifecycle import OPEN_STATUSES

# Auto-qualification and the learned model's part in the score, as an admin sets them.
DEFAULTS: dict[str, Any] = {
    "auto_qualify": False,
    "threshold": 80,
    "model_enabled": False,
    "model_weight": 0.3,
}


def should_auto_qualify(settings: Mapping[str, Any], status: str, score: int) -> bool:
    """Whether a lead qualifies without anyone asking.

    Only with auto-qualification switched on, only while the lead is open,
    and only at or above the threshold score.
    """
    return (
        bool(settings["auto_qualify"])
        and status in OPEN_STATUSES
        and score >= settings["threshold"]
    )
