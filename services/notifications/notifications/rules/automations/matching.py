"""Automation rules at work: matching an event, when actions fall due, cancelling, dry runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from crm_shared.calendars.business_time import BusinessCalendar

from .model import (
    MAX_CHAIN,
    RECIPIENT_FIELDS,
    SANDBOX,
    Action,
    Condition,
    DryRunResult,
    Duration,
    EventView,
    PlannedAction,
    Rule,
)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _compare(left: Any, right: Any) -> int | None:
    """-1/0/1 comparing numbers (also decimal text such as amounts) or texts (ISO dates)."""
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    if isinstance(left, str) and isinstance(right, str):
        return (left > right) - (left < right)
    return None


def condition_holds(condition: Condition, data: Mapping[str, Any]) -> bool:
    """Whether one condition is true of ``data`` (a missing field only passes ne, exists false)."""
    present = data.get(condition.field) is not None
    value = data.get(condition.field)
    op, operand = condition.op, condition.value
    if op == "exists":
        return present is bool(operand)
    if op == "ne":
        return not present or (_compare(value, operand) != 0 and value != operand)
    if not present:
        return False
    if op == "eq":
        return value == operand or _compare(value, operand) == 0
    if op == "in":
        return any(value == o or _compare(value, o) == 0 for o in operand)
    if op == "contains":
        if isinstance(value, str):
            return isinstance(operand, str) and operand.casefold() in value.casefold()
        if isinstance(value, list):
            return operand in value
        return False
    order = _compare(value, operand)
    if order is None:
        return False
    return order > 0 if op == "gt" else order < 0


def loop_blocked(rule: Rule, event: EventView) -> bool:
    """True when ``event`` came from this rule's own actions, or from too long a chain."""
    return (rule.id is not None and rule.id in event.chain) or len(event.chain) >= MAX_CHAIN


def why_not(rule: Rule, event: EventView) -> str | None:
    """Why ``rule`` does not fire for ``event``, or None when it does."""
    if event.type != rule.event_type:
        return f"the rule listens to {rule.event_type}"
    if loop_blocked(rule, event):
        return "the event was caused by this rule's own actions (loop protection)"
    for condition in rule.conditions:
        if not condition_holds(condition, event.data):
            return f"condition {condition.field} {condition.op} {condition.value!r} is false"
    return None


def matches(rule: Rule, event: EventView) -> bool:
    """True when ``rule`` fires for ``event``."""
    return why_not(rule, event) is None


def chain_for(rule: Rule, event: EventView) -> tuple[str, ...]:
    """The chain an action's own events carry: the trigger's chain plus this rule."""
    return (*event.chain, rule.id or "")


# ---------------------------------------------------------------- time


Calendars = Callable[[str], BusinessCalendar]


def add_business_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    """The same local time ``days`` working days later, moved on to opening if then closed."""
    if days == 0:
        return start
    zone = ZoneInfo(calendar.timezone)
    local = start.astimezone(zone)
    day = local.date()
    counted = 0
    for _ in range(3 * 366):
        day += timedelta(days=1)
        if calendar.open_intervals(day):
            counted += 1
            if counted == days:
                break
    else:  # pragma: no cover - a calendar is never open for three years
        raise ValueError("the calendar has no working days within three years")
    candidate = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    if calendar.is_open(candidate):
        return candidate
    for s, _e in calendar.open_intervals(day):
        if candidate.timestamp() < s:
            return datetime.fromtimestamp(s, tz=start.tzinfo)
    # After the day's last opening: the end of that day's hours is as late as it may be.
    last = calendar.open_intervals(day)[-1][1]
    return datetime.fromtimestamp(last, tz=start.tzinfo)


def add(duration: Duration, start: datetime, calendars: Calendars) -> datetime:
    """``start`` plus ``duration`` (business units counted on the named calendar)."""
    if duration.unit == "minutes":
        return start + timedelta(minutes=duration.amount)
    if duration.unit == "hours":
        return start + timedelta(hours=duration.amount)
    if duration.unit == "days":
        return start + timedelta(days=duration.amount)
    calendar = calendars(duration.calendar)
    if duration.unit == "business_hours":
        return calendar.add_minutes(start, duration.amount * 60)
    return add_business_days(calendar, start, int(duration.amount))


def plan(rule: Rule, event: EventView, calendars: Calendars) -> tuple[PlannedAction, ...]:
    """When each of ``rule``'s actions falls due for ``event``: the rule's delay, then its own."""
    base = add(rule.delay, event.time, calendars)
    return tuple(
        PlannedAction(i, action, add(action.after, base, calendars))
        for i, action in enumerate(rule.actions)
    )


def cancels(rule: Rule, trigger: EventView, later: EventView) -> bool:
    """True when ``later`` cancels the run ``trigger`` started (same key, not before it)."""
    if later.id == trigger.id or later.time < trigger.time:
        return False
    for cancel in rule.unless:
        if later.type != cancel.event_type:
            continue
        key = trigger.data.get(cancel.match)
        if key is not None and later.data.get(cancel.on) == key:
            return True
    return False


def render(template: str, event: EventView) -> str:
    """A title or message template rendered in the sandbox from the event's data."""
    context = {**event.data, "event_type": event.type, "event_id": event.id}
    return SANDBOX.from_string(template).render(context)


def dry_run(
    rule: Rule,
    events: Sequence[EventView],
    calendars: Calendars,
    *,
    now: datetime,
) -> list[DryRunResult]:
    """What ``rule`` would have done with each of ``events`` (stored, oldest first).

    A run is shown as cancelled when a later stored event cancels it before
    its last action falls due; actions due after ``now`` are still planned.
    """
    results: list[DryRunResult] = []
    for i, event in enumerate(events):
        reason = why_not(rule, event)
        if reason is not None:
            results.append(DryRunResult(event.id, event.type, False, reason))
            continue
        planned = plan(rule, event, calendars)
        last_due = max((p.due_at for p in planned), default=event.time)
        cancelled_by = next(
            (
                later.id
                for later in events[i + 1 :]
                if later.time <= min(last_due, now) and cancels(rule, event, later)
            ),
            None,
        )
        results.append(DryRunResult(event.id, event.type, True, "matched", planned, cancelled_by))
    return results


def recipients_of(action: Action, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (kind, value) of each recipient rule resolved against the data.

    ``("user", id)`` for a person, ``("manager_of", id)`` and ``("role", name)``
    for the service to resolve with the directory; rules whose field is empty
    in this event name nobody.
    """
    found: list[tuple[str, str]] = []
    for rule in action.recipients if action.type == "notify" else (action.assignee or "",):
        kind, _, arg = rule.partition(":")
        if kind in RECIPIENT_FIELDS:
            value = data.get(RECIPIENT_FIELDS[kind])
            if value:
                found.append(("manager_of" if kind.endswith("_manager") else "user", str(value)))
        elif kind == "field":
            if data.get(arg):
                found.append(("user", str(data[arg])))
        elif kind in ("user", "role"):
            found.append((kind, arg))
    return found
