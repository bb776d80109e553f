"""Lead lifecycle rules: which status may follow which. Plain Python."""

from __future__ import annotations

from crm_shared.errors import Conflict

STATUSES = ("new", "contacted", "nurturing", "qualified", "disqualified")
OPEN_STATUSES = frozenset({"new", "contacted", "nurturing"})
CLOSED_STATUSES = frozenset({"qualified", "disqualified"})


def check_can_close(status: str, target: str) -> None:
    """Raise Conflict unless a lead in ``status`` may become ``target``.

    Qualification and disqualification end a lead's life here; an ended
    lead is not reopened by accident (a repeated click must not publish a
    second ``lead.qualified``).
    """
    if target not in CLOSED_STATUSES:
        raise ValueError(target)
    if status not in OPEN_STATUSES:
        raise Conflict(f"lead is already {status}", current_status=status)
