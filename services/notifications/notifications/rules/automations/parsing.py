"""Automation rules as admins write them (JSON): parsed and checked, or a RuleError."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import TemplateSyntaxError, meta

from .model import (
    _ROLE,
    _UUID,
    ACTION_TYPES,
    DEFAULT_CALENDAR,
    DURATION_UNITS,
    MAX_DELAY_DAYS,
    OPS,
    RECIPIENT_FIELDS,
    SANDBOX,
    ZERO,
    Action,
    Cancel,
    Condition,
    Duration,
    Rule,
    RuleError,
    event_fields,
)


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
        names = meta.find_undeclared_variables(SANDBOX.parse(value))
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
