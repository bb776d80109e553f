"""Automation rules: the model, its limits, and the data fields each event type carries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

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

# One sandbox for every template a rule carries (checked when parsed, rendered when run).
SANDBOX = SandboxedEnvironment(autoescape=False)


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
