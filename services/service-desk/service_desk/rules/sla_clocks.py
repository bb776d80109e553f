"""SLA clocks, computed from a ticket's status history and public replies.

Nothing about a clock is stored: it is derived on read from what happened,
so editing a calendar or a policy gives consistent answers everywhere.

- **first response** runs from opening until the first public reply by an
  agent (or until the ticket is resolved without one);
- **next response** runs from a customer's public message that follows an
  agent's reply (or from a reopen) until the next public reply by an agent;
  each such cycle is its own clock, keyed ``next_response:<n>``;
- **resolution** runs while the ticket is ``new`` or ``open``, pauses while
  ``pending`` (waiting on the customer), stops at ``resolved``/``closed``, and
  resumes where it stopped when the ticket is reopened.

Pure: ``now`` is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crm_shared.calendars.business_time import BusinessCalendar

RUNNING_STATUSES = frozenset({"new", "open"})
STOPPED_STATUSES = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class StatusChange:
    """The ticket entered ``status`` at ``at``."""

    at: datetime
    status: str


@dataclass(frozen=True)
class PublicMessage:
    """A public message on the thread, by an agent or by the customer."""

    at: datetime
    by_agent: bool


@dataclass(frozen=True)
class Targets:
    """A policy's targets in business minutes (None: no such clock)."""

    first_response: int | None
    next_response: int | None
    resolution: int | None


@dataclass(frozen=True)
class Clock:
    """One clock's state at ``now``."""

    name: str
    key: str
    target_minutes: int
    started_at: datetime
    due_at: datetime
    elapsed_minutes: float
    remaining_minutes: float
    state: str  # running | paused | met | breached
    stopped_at: datetime | None


Segment = tuple[datetime, datetime | None]  # running from, until (None: still running)


def _clock(
    name: str,
    key: str,
    target: int,
    segments: Sequence[Segment],
    *,
    stopped_at: datetime | None,
    calendar: BusinessCalendar,
    now: datetime,
) -> Clock:
    """Evaluate a clock that runs during ``segments`` and may have stopped."""
    elapsed = 0.0
    due: datetime | None = None
    for start, end in segments:
        finish = end if end is not None else max(now, start)
        spent = calendar.minutes_between(start, finish)
        if due is None and elapsed + spent >= target:
            due = calendar.add_minutes(start, target - elapsed)
        elapsed += spent
    still_running = bool(segments) and segments[-1][1] is None and stopped_at is None
    if due is None:
        # Not yet due: project from now (or from where it resumes), so a
        # pause can only push the due time later, never earlier.
        resume = segments[-1][0] if still_running else now
        base = (
            elapsed - calendar.minutes_between(resume, max(now, resume))
            if still_running
            else elapsed
        )
        due = calendar.add_minutes(resume, target - base)
    if stopped_at is not None:
        state = "met" if elapsed <= target else "breached"
    elif elapsed >= target and (still_running or elapsed > target):
        state = "breached"
    else:
        state = "running" if still_running else "paused"
    return Clock(
        name=name,
        key=key,
        target_minutes=target,
        started_at=segments[0][0] if segments else now,
        due_at=due,
        elapsed_minutes=round(elapsed, 2),
        remaining_minutes=round(target - elapsed, 2),
        state=state,
        stopped_at=stopped_at,
    )


def resolution_segments(
    opened_at: datetime, history: Sequence[StatusChange]
) -> tuple[list[Segment], datetime | None]:
    """When the resolution clock ran, and when it last stopped (None if not stopped)."""
    segments: list[Segment] = []
    running_since: datetime | None = opened_at
    stopped_at: datetime | None = None
    for change in sorted(history, key=lambda c: c.at):
        if change.status in RUNNING_STATUSES:
            stopped_at = None
            if running_since is None:
                running_since = max(change.at, opened_at)
        else:
            if running_since is not None:
                segments.append((running_since, max(change.at, running_since)))
                running_since = None
            if change.status not in STOPPED_STATUSES:
                stopped_at = None
            elif stopped_at is None:
                stopped_at = change.at
    if running_since is not None:
        segments.append((running_since, None))
    return segments, stopped_at


def compute_clocks(
    *,
    opened_at: datetime,
    history: Sequence[StatusChange],
    messages: Sequence[PublicMessage],
    targets: Targets,
    calendar: BusinessCalendar,
    now: datetime,
) -> list[Clock]:
    """Every clock of a ticket at ``now``, first response first."""
    history = sorted(history, key=lambda c: c.at)
    messages = sorted(messages, key=lambda m: m.at)
    clocks: list[Clock] = []
    first_stop = _first_stop(opened_at, history, messages)
    if targets.first_response is not None:
        clocks.append(
            _clock(
                "first_response",
                "first_response",
                targets.first_response,
                [(opened_at, first_stop)],
                stopped_at=first_stop,
                calendar=calendar,
                now=now,
            )
        )
    if targets.next_response is not None and first_stop is not None:
        for number, (start, stop) in enumerate(_response_cycles(first_stop, history, messages), 1):
            clocks.append(
                _clock(
                    "next_response",
                    f"next_response:{number}",
                    targets.next_response,
                    [(start, stop)],
                    stopped_at=stop,
                    calendar=calendar,
                    now=now,
                )
            )
    if targets.resolution is not None:
        segments, stopped_at = resolution_segments(opened_at, history)
        clocks.append(
            _clock(
                "resolution",
                "resolution",
                targets.resolution,
                segments or [(opened_at, stopped_at or opened_at)],
                stopped_at=stopped_at,
                calendar=calendar,
                now=now,
            )
        )
    return clocks


def _first_stop(
    opened_at: datetime, history: Sequence[StatusChange], messages: Sequence[PublicMessage]
) -> datetime | None:
    reply = next((m.at for m in messages if m.by_agent and m.at >= opened_at), None)
    resolved = next((c.at for c in history if c.status in STOPPED_STATUSES), None)
    candidates = [t for t in (reply, resolved) if t is not None]
    return min(candidates) if candidates else None


def _response_cycles(
    after: datetime, history: Sequence[StatusChange], messages: Sequence[PublicMessage]
) -> list[tuple[datetime, datetime | None]]:
    """(start, stop) of each next-response wait after the first response."""
    starts: list[tuple[datetime, str]] = [(m.at, "customer") for m in messages if not m.by_agent]
    previous = None
    for change in history:
        if previous in STOPPED_STATUSES and change.status in RUNNING_STATUSES:
            starts.append((change.at, "reopen"))
        previous = change.status
    stops = sorted(m.at for m in messages if m.by_agent)
    cycles: list[tuple[datetime, datetime | None]] = []
    waiting_since: datetime | None = None
    events = sorted([(at, 0) for at, _ in starts if at > after] + [(at, 1) for at in stops])
    for at, kind in events:
        if at <= after:
            continue
        if kind == 0 and waiting_since is None:
            waiting_since = at
        elif kind == 1 and waiting_since is not None:
            cycles.append((waiting_since, at))
            waiting_since = None
    if waiting_since is not None:
        cycles.append((waiting_since, None))
    return cycles


def needs_warning(clock: Clock, warn_before_minutes: int) -> bool:
    """True when a running clock is within ``warn_before_minutes`` of its due time."""
    return clock.state == "running" and clock.remaining_minutes <= warn_before_minutes
