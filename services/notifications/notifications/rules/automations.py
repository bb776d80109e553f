"""Automation rules: "when <event> and <conditions>, after <delay> unless <event>, do <actions>".

Pure: parsing and validation of a rule as admins write it (JSON), matching an
event against it, when each action falls due (wall-clock or business time on
a ``crm_shared.calendars`` calendar), whether a later event cancels a pending
run, loop protection, and a dry run over stored events. The service stores
rules and pending runs and executes actions; nothing here does I/O.

Known data fields of an event type come from its contract
(``shared/crm_shared/contracts``), so a condition on a field the event never
carries is refused when the rule is saved, not silently never true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from crm_shared.calendars.business_time import BusinessCalendar
from crm_shared.events import ContractError, contract, contract_names

OPS = ("eq", "ne", "in", "gt", "lt", "contains", "exists")
ACTION_TYPES = ("notify", "create_task", "call_webhook")
DURATION_UNITS = ("minutes", "hours", "days", "business_hours", "business_days")
MAX_DELAY_DAYS = 366
# An event produced by a chain of this many automation actions triggers no more rules.
MAX_CHAIN = 5
# The CloudEvent extension attribute carrying the rule ids whose actions led to an event.
CHAIN_ATTRIBUTE = "crmautomation"
DEFAULT_CALENDAR = "default"

# Recipient rules a notify action (or a task's assignee) may use, and the data
# field each one reads; "user:<id>" and "role:<name>" need no field.
RECIPIENT_FIELDS = {
    "owner": "owner_id",
    "owner_manager": "owner_id",
    "assignee": "assignee_id",
    "assignee_manager": "assignee_id",
    "previous_owner": "previous_owner_id",
    "author": "author_id",
}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_ROLE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

_env = SandboxedEnvironment(autoescape=False)


class RuleError(ValueError):
    """A rule that cannot be saved: the field (a path like ``conditions[0].field``) and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# ---------------------------------------------------------------- event fields


def event_types() -> frozenset[str]:
    """Every event type with a contract."""
    return frozenset(name for name, _version in contract_names())


DIRECTORY_PREFIXES = ("user.", "team.")


def webhook_event_types() -> frozenset[str]:
    """Event types integrations may subscribe to: all but the directory's own."""
    return frozenset(t for t in event_types() if not t.startswith(DIRECTORY_PREFIXES))


def event_fields(event_type: str) -> frozenset[str] | None:
    """The data fields ``event_type``'s contract declares, or None for an unknown type."""
    try:
        schema = contract(event_type)
    except ContractError:
        return None
    return frozenset(schema.get("properties", {}))


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Duration:
    """A delay: wall-clock minutes/hours/days, or business hours/days on a calendar."""

    unit: str = "minutes"
    amount: float = 0
    calendar: str = DEFAULT_CALENDAR

    @property
    def is_business(self) -> bool:
        """True when counted on a business calendar."""
        return self.unit.startswith("business_")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        found: dict[str, Any] = {self.unit: self.amount}
        if self.is_business:
            found["calendar"] = self.calendar
        return found


ZERO = Duration()


@dataclass(frozen=True)
class Condition:
    """``field op value`` on the event's data."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Cancel:
    """A later event of ``event_type`` whose ``on`` field equals the trigger's ``match`` field."""

    event_type: str
    match: str
    on: str


@dataclass(frozen=True)
class Action:
    """One thing a rule does, ``after`` its own extra delay (added to the rule's)."""

    type: str
    after: Duration = ZERO
    channel: str | None = None  # notify
    recipients: tuple[str, ...] = ()  # notify
    message: str | None = None  # notify: a template over the data
    assignee: str | None = None  # create_task
    title: str | None = None  # create_task: a template over the data
    due_in: Duration = ZERO  # create_task
    endpoint_id: str | None = None  # call_webhook


@dataclass(frozen=True)
class Rule:
    """A validated automation rule."""

    event_type: str
    actions: tuple[Action, ...]
    conditions: tuple[Condition, ...] = ()
    delay: Duration = ZERO
    unless: tuple[Cancel, ...] = ()
    id: str | None = None
    name: str = ""


@dataclass(frozen=True)
class EventView:
    """What a rule sees of an event."""

    id: str
    type: str
    time: datetime
    data: Mapping[str, Any]
    chain: tuple[str, ...] = ()  # rule ids whose actions caused this event

    @classmethod
    def from_envelope(cls, envelope: Mapping[str, Any], time: datetime) -> EventView:
        """From a CloudEvent document (``time`` parsed by the caller)."""
        raw = envelope.get(CHAIN_ATTRIBUTE) or ""
        chain = tuple(part for part in str(raw).split(",") if part)
        return cls(
            id=str(envelope["id"]),
            type=str(envelope["type"]),
            time=time,
            data=envelope.get("data") or {},
            chain=chain,
        )


@dataclass(frozen=True)
class PlannedAction:
    """An action of a matched rule and when it falls due."""

    index: int
    action: Action
    due_at: datetime


@dataclass(frozen=True)
class DryRunResult:
    """What a rule would have done with one stored event."""

    event_id: str
    event_type: str
    matched: bool
    reason: str  # why not, or "matched"
    planned: tuple[PlannedAction, ...] = ()
    cancelled_by: str | None = None


# ---------------------------------------------------------------- parsing


def parse_duration(value: Any, where: str) -> Duration:
    """``{"hours": 2}`` or ``{"business_hours": 2, "calendar": "default"}`` → ``Duration``."""
    if value is None:
        return ZERO
    if not isinstance(value, Mapping):
        raise RuleError(where, 'must be an object such as {"hours": 2} or {"business_days": 1}')
    units = [k for k in value if k in DURATION_UNITS]
    unknown = [k for k in value if k not in DURATION_UNITS and k != "calendar"]
    if unknown:
        raise RuleError(
            f"{where}.{unknown[0]}", f"unknown unit; use one of {', '.join(DURATION_UNITS)}"
        )
    if len(units) != 1:
        raise RuleError(where, f"give exactly one of {', '.join(DURATION_UNITS)}")
    unit = units[0]
    amount = value[unit]
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise RuleError(f"{where}.{unit}", "must be a number")
    if amount < 0:
        raise RuleError(f"{where}.{unit}", "must not be negative")
    if unit == "business_days" and amount != int(amount):
        raise RuleError(f"{where}.{unit}", "must be a whole number of days")
    days = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "business_hours": 1 / 8}.get(unit, 1)
    if amount * days > MAX_DELAY_DAYS:
        raise RuleError(f"{where}.{unit}", f"must be under {MAX_DELAY_DAYS} days")
    calendar = value.get("calendar", DEFAULT_CALENDAR)
    if not isinstance(calendar, str) or not calendar:
        raise RuleError(f"{where}.calendar", "must name a business calendar")
    if calendar != DEFAULT_CALENDAR and not unit.startswith("business_"):
        raise RuleError(f"{where}.calendar", "a calendar only applies to business hours or days")
    return Duration(unit, amount, calendar)


def _template(value: Any, where: str, fields: frozenset[str], *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RuleError(where, "must be a non-empty text")
    if len(value) > 2000:
        raise RuleError(where, "must be at most 2000 characters")
    try:
        names = meta.find_undeclared_variables(_env.parse(value))
    except TemplateSyntaxError as exc:
        raise RuleError(where, f"does not render: {exc.message} (line {exc.lineno})") from None
    unknown = sorted(names - fields - {"event_type", "event_id"})
    if unknown:
        raise RuleError(where, f"uses {unknown[0]!r}, which the event does not carry")
    return value


def _recipient(value: Any, where: str, event_type: str, fields: frozenset[str]) -> str:
    if not isinstance(value, str):
        raise RuleError(where, "must be a recipient rule such as 'owner' or 'user:<id>'")
    kind, _, arg = value.partition(":")
    if kind in RECIPIENT_FIELDS and not arg:
        needed = RECIPIENT_FIELDS[kind]
        if needed not in fields:
            raise RuleError(where, f"{event_type} carries no {needed}, so it has no {kind}")
        return value
    if kind == "user" and _UUID.match(arg):
        return f"user:{arg.lower()}"
    if kind == "role" and _ROLE.match(arg):
        return value
    if kind == "field" and arg:
        if arg not in fields:
            raise RuleError(where, f"{event_type} has no field {arg!r}")
        return value
    raise RuleError(
        where,
        f"unknown recipient {value!r}; use {', '.join(RECIPIENT_FIELDS)}, "
        "user:<id>, role:<name> or field:<name>",
    )


def _condition(value: Any, where: str, event_type: str, fields: frozenset[str]) -> Condition:
    if not isinstance(value, Mapping):
        raise RuleError(where, "must be an object {field, op, value}")
    name = value.get("field")
    op = value.get("op", "eq")
    if not isinstance(name, str) or not name:
        raise RuleError(f"{where}.field", "is required")
    if name not in fields:
        raise RuleError(f"{where}.field", f"{event_type} has no field {name!r}")
    if op not in OPS:
        raise RuleError(f"{where}.op", f"must be one of {', '.join(OPS)}")
    if op != "exists" and "value" not in value:
        raise RuleError(f"{where}.value", f"is required for {op}")
    operand = value.get("value", True)
    if op == "in" and (not isinstance(operand, list) or not operand):
        raise RuleError(f"{where}.value", "must be a non-empty list for in")
    if op in ("gt", "lt") and (
        isinstance(operand, bool) or not isinstance(operand, int | float | str)
    ):
        raise RuleError(f"{where}.value", f"must be a number, date or text for {op}")
    if op == "exists" and not isinstance(operand, bool):
        raise RuleError(f"{where}.value", "must be true or false for exists")
    return Condition(name, op, operand)


def _cancel(value: Any, where: str, fields: frozenset[str], fields_of: FieldsOf) -> Cancel:
    if not isinstance(value, Mapping):
        raise RuleError(where, "must be an object {event_type, match}")
    event_type = value.get("event_type")
    cancel_fields = fields_of(event_type) if isinstance(event_type, str) else None
    if cancel_fields is None or not isinstance(event_type, str):
        raise RuleError(f"{where}.event_type", f"unknown event type {event_type!r}")
    match = value.get("match")
    if not isinstance(match, str) or match not in fields:
        raise RuleError(f"{where}.match", f"the triggering event has no field {match!r}")
    on = value.get("on", match)
    if not isinstance(on, str) or on not in cancel_fields:
        raise RuleError(f"{where}.on", f"{event_type} has no field {on!r}")
    return Cancel(event_type, match, on)


def _action(
    value: Any, where: str, event_type: str, fields: frozenset[str], channels: frozenset[str]
) -> Action:
    if not isinstance(value, Mapping):
        raise RuleError(where, "must be an object with a type")
    kind = value.get("type")
    if kind not in ACTION_TYPES:
        raise RuleError(f"{where}.type", f"must be one of {', '.join(ACTION_TYPES)}")
    after = parse_duration(value.get("after"), f"{where}.after")
    if kind == "notify":
        channel = value.get("channel", "in_app")
        if channel not in channels:
            raise RuleError(
                f"{where}.channel",
                f"unknown channel {channel!r}; use one of {', '.join(sorted(channels))}",
            )
        recipients = value.get("recipients")
        if not isinstance(recipients, list) or not recipients:
            raise RuleError(f"{where}.recipients", "name at least one recipient")
        parsed = tuple(
            _recipient(r, f"{where}.recipients[{i}]", event_type, fields)
            for i, r in enumerate(recipients)
        )
        message = _template(value.get("message"), f"{where}.message", fields, required=False)
        return Action("notify", after, channel=channel, recipients=parsed, message=message)
    if kind == "create_task":
        assignee = _recipient(
            value.get("assignee", "owner"), f"{where}.assignee", event_type, fields
        )
        if assignee.startswith("role:"):
            raise RuleError(f"{where}.assignee", "a task needs one person, not a role")
        title = _template(value.get("title"), f"{where}.title", fields, required=True)
        due_in = parse_duration(value.get("due_in"), f"{where}.due_in")
        return Action("create_task", after, assignee=assignee, title=title, due_in=due_in)
    endpoint = value.get("endpoint_id")
    if not isinstance(endpoint, str) or not _UUID.match(endpoint):
        raise RuleError(f"{where}.endpoint_id", "must be the id of a webhook endpoint")
    return Action("call_webhook", after, endpoint_id=endpoint.lower())


FieldsOf = Callable[[str], frozenset[str] | None]
DEFAULT_CHANNELS = frozenset({"in_app", "email"})


def parse_rule(
    data: Mapping[str, Any],
    *,
    fields_of: FieldsOf = event_fields,
    channels: frozenset[str] = DEFAULT_CHANNELS,
    rule_id: str | None = None,
) -> Rule:
    """Validate a rule as an admin wrote it; raise ``RuleError`` naming the first problem.

    ``fields_of`` gives an event type's data fields (None: unknown type);
    ``channels`` the notification channels a notify action may use.
    """
    if not isinstance(data, Mapping):
        raise RuleError("rule", "must be an object")
    event_type = data.get("event_type")
    fields = fields_of(event_type) if isinstance(event_type, str) else None
    if fields is None or not isinstance(event_type, str):
        raise RuleError("event_type", f"unknown event type {event_type!r}")
    conditions = data.get("conditions") or []
    if not isinstance(conditions, list):
        raise RuleError("conditions", "must be a list")
    unless = data.get("unless") or []
    if not isinstance(unless, list):
        raise RuleError("unless", "must be a list")
    actions = data.get("actions")
    if not isinstance(actions, list) or not actions:
        raise RuleError("actions", "give at least one action")
    if len(actions) > 10:
        raise RuleError("actions", "at most 10 actions")
    name = data.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise RuleError("name", "must be a text of at most 200 characters")
    return Rule(
        id=rule_id,
        name=name,
        event_type=event_type,
        conditions=tuple(
            _condition(c, f"conditions[{i}]", event_type, fields) for i, c in enumerate(conditions)
        ),
        delay=parse_duration(data.get("delay"), "delay"),
        unless=tuple(_cancel(u, f"unless[{i}]", fields, fields_of) for i, u in enumerate(unless)),
        actions=tuple(
            _action(a, f"actions[{i}]", event_type, fields, channels) for i, a in enumerate(actions)
        ),
    )


def rule_as_dict(rule: Rule) -> dict[str, Any]:
    """The JSON form of a rule (what ``parse_rule`` reads back to the same rule)."""

    def action(a: Action) -> dict[str, Any]:
        found: dict[str, Any] = {"type": a.type}
        if a.after != ZERO:
            found["after"] = a.after.as_dict()
        if a.type == "notify":
            found.update(channel=a.channel, recipients=list(a.recipients))
            if a.message is not None:
                found["message"] = a.message
        elif a.type == "create_task":
            found.update(assignee=a.assignee, title=a.title, due_in=a.due_in.as_dict())
        else:
            found["endpoint_id"] = a.endpoint_id
        return found

    return {
        "name": rule.name,
        "event_type": rule.event_type,
        "conditions": [{"field": c.field, "op": c.op, "value": c.value} for c in rule.conditions],
        "delay": rule.delay.as_dict(),
        "unless": [{"event_type": u.event_type, "match": u.match, "on": u.on} for u in rule.unless],
        "actions": [action(a) for a in rule.actions],
    }


# ---------------------------------------------------------------- matching


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
    return _env.from_string(template).render(context)


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


# ---------------------------------------------------------------- shipped templates


@dataclass(frozen=True)
class Template:
    """A rule admins can start from."""

    key: str
    name: str
    description: str
    rule: Mapping[str, Any] = field(default_factory=dict)


TEMPLATES: tuple[Template, ...] = (
    Template(
        key="lead_not_contacted",
        name="Lead assigned and not worked within 2 business hours",
        description=(
            "Reminds the owner 2 business hours after a lead is assigned, then their manager "
            "2 business "
            "hours later, unless the lead is qualified, disqualified or reassigned first."
        ),
        rule={
            "name": "Lead not contacted within 2 business hours",
            "event_type": "lead.assigned",
            "delay": {"business_hours": 2},
            "unless": [
                {"event_type": "lead.qualified", "match": "lead_id"},
                {"event_type": "lead.disqualified", "match": "lead_id"},
                {"event_type": "lead.assigned", "match": "lead_id"},
            ],
            "actions": [
                {
                    "type": "notify",
                    "channel": "in_app",
                    "recipients": ["owner"],
                    "message": (
                        "Lead {{ lead_id }} was assigned to you 2 business hours ago "
                        "and is still waiting."
                    ),
                },
                {
                    "type": "notify",
                    "channel": "in_app",
                    "after": {"business_hours": 2},
                    "recipients": ["owner_manager"],
                    "message": "Lead {{ lead_id }} has waited 4 business hours for its owner.",
                },
            ],
        },
    ),
    Template(
        key="proposal_send_quote",
        name="Deal enters proposal: send the quote",
        description=(
            "Creates a task for the owner to send the quote, due 2 days after the deal "
            "enters the proposal stage."
        ),
        rule={
            "name": "Send the quote",
            "event_type": "opportunity.stage_changed",
            "conditions": [{"field": "to_stage", "op": "eq", "value": "proposal"}],
            "actions": [
                {
                    "type": "create_task",
                    "assignee": "owner",
                    "title": "Send the quote ({{ amount }} {{ currency }})",
                    "due_in": {"days": 2},
                }
            ],
        },
    ),
    Template(
        key="installment_due_soon",
        name="Installment due in 3 days: remind the owner",
        description="Reminds the order's owner when an installment falls due in 3 days.",
        rule={
            "name": "Installment due in 3 days",
            "event_type": "payment.due_soon",
            "conditions": [{"field": "days_left", "op": "eq", "value": 3}],
            "actions": [
                {
                    "type": "notify",
                    "channel": "in_app",
                    "recipients": ["owner"],
                    "message": (
                        "An installment of {{ outstanding }} {{ currency }} falls due on "
                        "{{ due_on }}."
                    ),
                }
            ],
        },
    ),
)


def template(key: str) -> Template | None:
    """The shipped template called ``key``."""
    return next((t for t in TEMPLATES if t.key == key), None)


def validate_all(rules: Iterable[Mapping[str, Any]], **kwargs: Any) -> list[Rule]:
    """Parse several rules (the shipped templates, a bulk import)."""
    return [parse_rule(r, **kwargs) for r in rules]
