"""Running SLA figures: a ticket's clocks folded up to its last event.

Between two events of a ticket (a status change, a public message) nothing
about its clocks changes except how far the running ones have run. So at each
event the desk folds the history into figures per clock — business minutes
spent in segments that have ended, the due time if it fell inside them, and
when the still-running segment began — and reading the clocks "now" is then
one ``minutes_between`` (and at most one ``add_minutes``) per running clock,
with no history to load.

The figures hold for one calendar and one set of targets; the caller keeps
that key beside them and recomputes from the history when it no longer
matches. ``clock_at(clock_figures(...), ...)`` equals ``compute_clocks(...)``
exactly (a property test checks it on random histories).

Pure: ``now`` is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.calendars.business_time import BusinessCalendar

from .sla_clocks import (
    Clock,
    PublicMessage,
    Segment,
    StatusChange,
    Targets,
    _first_stop,
    _response_cycles,
    resolution_segments,
)


@dataclass(frozen=True)
class ClockFigures:
    """One clock folded up to the ticket's last event."""

    name: str
    key: str
    target_minutes: int
    started_at: datetime
    closed_minutes: float  # business minutes in segments that have ended
    closed_due_at: datetime | None  # the due time, when it fell inside them
    open_since: datetime | None  # start of the segment still running
    stopped_at: datetime | None


def _fold(
    name: str,
    key: str,
    target: int,
    segments: Sequence[Segment],
    stopped_at: datetime | None,
    calendar: BusinessCalendar,
) -> ClockFigures:
    elapsed = 0.0
    due: datetime | None = None
    open_since: datetime | None = None
    for start, end in segments:
        if end is None:
            # Only the last segment can still be running.
            open_since = start
            break
        spent = calendar.minutes_between(start, end)
        if due is None and elapsed + spent >= target:
            due = calendar.add_minutes(start, target - elapsed)
        elapsed += spent
    return ClockFigures(
        name=name,
        key=key,
        target_minutes=target,
        started_at=segments[0][0],
        closed_minutes=elapsed,
        closed_due_at=due,
        open_since=open_since,
        stopped_at=stopped_at,
    )


def clock_figures(
    *,
    opened_at: datetime,
    history: Sequence[StatusChange],
    messages: Sequence[PublicMessage],
    targets: Targets,
    calendar: BusinessCalendar,
) -> list[ClockFigures]:
    """Every clock of a ticket folded up to its last event (the same clocks as
    ``compute_clocks``, in the same order)."""
    history = sorted(history, key=lambda c: c.at)
    messages = sorted(messages, key=lambda m: m.at)
    folded: list[ClockFigures] = []
    first_stop = _first_stop(opened_at, history, messages)
    if targets.first_response is not None:
        folded.append(
            _fold(
                "first_response",
                "first_response",
                targets.first_response,
                [(opened_at, first_stop)],
                first_stop,
                calendar,
            )
        )
    if targets.next_response is not None and first_stop is not None:
        for number, (start, stop) in enumerate(_response_cycles(first_stop, history, messages), 1):
            folded.append(
                _fold(
                    "next_response",
                    f"next_response:{number}",
                    targets.next_response,
                    [(start, stop)],
                    stop,
                    calendar,
                )
            )
    if targets.resolution is not None:
        segments, stopped_at = resolution_segments(opened_at, history)
        folded.append(
            _fold(
                "resolution",
                "resolution",
                targets.resolution,
                segments or [(opened_at, stopped_at or opened_at)],
                stopped_at,
                calendar,
            )
        )
    return folded


def clock_at(figures: ClockFigures, calendar: BusinessCalendar, now: datetime) -> Clock:
    """The clock at ``now`` from its figures: arithmetic on the running segment only."""
    target = figures.target_minutes
    elapsed = figures.closed_minutes
    due = figures.closed_due_at
    spent = 0.0
    if figures.open_since is not None:
        start = figures.open_since
        spent = calendar.minutes_between(start, max(now, start))
        if due is None and elapsed + spent >= target:
            due = calendar.add_minutes(start, target - elapsed)
        elapsed += spent
    still_running = figures.open_since is not None and figures.stopped_at is None
    if due is None:
        # As compute_clocks: project from where it resumes (or from now when
        # paused), so a pause only ever pushes the due time later.
        if still_running:
            assert figures.open_since is not None
            due = calendar.add_minutes(figures.open_since, target - (elapsed - spent))
        else:
            due = calendar.add_minutes(now, target - elapsed)
    if figures.stopped_at is not None:
        state = "met" if elapsed <= target else "breached"
    elif elapsed >= target and (still_running or elapsed > target):
        state = "breached"
    else:
        state = "running" if still_running else "paused"
    return Clock(
        name=figures.name,
        key=figures.key,
        target_minutes=target,
        started_at=figures.started_at,
        due_at=due,
        elapsed_minutes=round(elapsed, 2),
        remaining_minutes=round(target - elapsed, 2),
        state=state,
        stopped_at=figures.stopped_at,
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def figures_to_json(figures: Sequence[ClockFigures]) -> list[dict[str, Any]]:
    """Figures as JSON values (floats kept exactly: JSON numbers round-trip)."""
    return [
        {
            "name": f.name,
            "key": f.key,
            "target": f.target_minutes,
            "started_at": f.started_at.isoformat(),
            "closed_minutes": f.closed_minutes,
            "closed_due_at": f.closed_due_at.isoformat() if f.closed_due_at else None,
            "open_since": f.open_since.isoformat() if f.open_since else None,
            "stopped_at": f.stopped_at.isoformat() if f.stopped_at else None,
        }
        for f in figures
    ]


def figures_from_json(values: Sequence[dict[str, Any]]) -> list[ClockFigures]:
    """Figures back from ``figures_to_json``."""
    return [
        ClockFigures(
            name=v["name"],
            key=v["key"],
            target_minutes=int(v["target"]),
            started_at=datetime.fromisoformat(v["started_at"]),
            closed_minutes=float(v["closed_minutes"]),
            closed_due_at=_time(v["closed_due_at"]),
            open_since=_time(v["open_since"]),
            stopped_at=_time(v["stopped_at"]),
        )
        for v in values
    ]
