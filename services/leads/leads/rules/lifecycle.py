"""Lead lifecycle rules: which status may follow which, and when an activity is too early."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_shared.errors import Conflict

STATUSES = ("new", "contacted", "nurturing", "qualified", "disqualified")
OPEN_STATUSES = frozenset({"new", "contacted", "nurturing"})
CLOSED_STATUSES = frozenset({"qualified", "disqualified"})
# Working statuses a rep moves a lead through by hand, in either direction.
WORKING_MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"contacted", "nurturing"}),
    "contacted": frozenset({"nurturing"}),
    "nurturing": frozenset({"contacted"}),
}
# Follow-up activities: a person acted on the lead (stops the response clock).
FOLLOW_UPS = frozenset({"call", "email", "meeting", "note"})
# Behaviour a prospect shows (feeds scoring).
BEHAVIOURS = frozenset({"form_submit", "email_open", "email_click", "visit", "call", "meeting"})
ACTIVITY_KINDS = tuple(sorted(FOLLOW_UPS | BEHAVIOURS))


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


# What a returning disqualified prospect's lead becomes: open again, to be worked.
REOPENED_STATUS = "new"


def reopens_on_return(status: str) -> bool:
    """Whether a lead in ``status`` reopens when its prospect is captured again.

    A disqualified prospect who comes back is news (timing, budget or need
    changed), so the lead reopens instead of silently taking the touch. A
    qualified lead is already a customer and an open one is being worked:
    both just record the touch.
    """
    return status == "disqualified"


def check_can_move(status: str, target: str) -> None:
    """Raise Conflict unless a rep may move a lead from ``status`` to ``target`` by hand."""
    if status == target:
        return
    if status in CLOSED_STATUSES:
        raise Conflict(f"lead is already {status}", current_status=status)
    if target not in WORKING_MOVES.get(status, frozenset()):
        raise Conflict(f"a {status} lead cannot become {target}", current_status=status)


def status_after_follow_up(status: str, kind: str) -> str:
    """A new lead somebody called, emailed or met is ``contacted``; others keep theirs."""
    if status == "new" and kind in {"call", "email", "meeting"}:
        return "contacted"
    return status


# Clocks disagree a little: an activity this far ahead of ours still counts as now.
CLOCK_SKEW = timedelta(minutes=5)


def is_in_the_future(when: datetime, now: datetime) -> bool:
    """Whether an activity said to happen at ``when`` has not happened yet at ``now``."""
    return when - now > CLOCK_SKEW
