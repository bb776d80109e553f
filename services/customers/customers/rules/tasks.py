"""Task rules: when a task's reminder falls. Plain Python, no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crm_shared.errors import ValidationFailed


def remind_at(data: dict[str, Any], due_at: datetime) -> datetime | None:
    """The reminder time a task asks for: a time (not after it is due), minutes before, or none."""
    if data.get("remind_at") is not None:
        if data["remind_at"] > due_at:
            raise ValidationFailed.field("remind_at", "must not be after due_at")
        return data["remind_at"]
    if data.get("remind_minutes_before") is not None:
        return due_at - timedelta(minutes=data["remind_minutes_before"])
    return None
