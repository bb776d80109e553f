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

from .matching import (
    Calendars,
    add,
    add_business_days,
    cancels,
    chain_for,
    condition_holds,
    dry_run,
    loop_blocked,
    matches,
    plan,
    recipients_of,
    render,
    why_not,
)
from .model import (
    ACTION_TYPES,
    CHAIN_ATTRIBUTE,
    DEFAULT_CALENDAR,
    DIRECTORY_PREFIXES,
    DURATION_UNITS,
    MAX_CHAIN,
    MAX_DELAY_DAYS,
    OPS,
    RECIPIENT_FIELDS,
    SANDBOX,
    ZERO,
    Action,
    Cancel,
    Condition,
    DryRunResult,
    Duration,
    EventView,
    PlannedAction,
    Rule,
    RuleError,
    event_fields,
    event_types,
    webhook_event_types,
)
from .parsing import DEFAULT_CHANNELS, FieldsOf, parse_duration, parse_rule, rule_as_dict
from .templates import TEMPLATES, Template, template, validate_all

__all__ = [
    "ACTION_TYPES",
    "CHAIN_ATTRIBUTE",
    "DEFAULT_CALENDAR",
    "DEFAULT_CHANNELS",
    "DIRECTORY_PREFIXES",
    "DURATION_UNITS",
    "MAX_CHAIN",
    "MAX_DELAY_DAYS",
    "OPS",
    "RECIPIENT_FIELDS",
    "SANDBOX",
    "TEMPLATES",
    "ZERO",
    "Action",
    "Calendars",
    "Cancel",
    "Condition",
    "DryRunResult",
    "Duration",
    "EventView",
    "FieldsOf",
    "PlannedAction",
    "Rule",
    "RuleError",
    "Template",
    "add",
    "add_business_days",
    "cancels",
    "chain_for",
    "condition_holds",
    "dry_run",
    "event_fields",
    "event_types",
    "loop_blocked",
    "matches",
    "parse_duration",
    "parse_rule",
    "plan",
    "recipients_of",
    "render",
    "rule_as_dict",
    "template",
    "validate_all",
    "webhook_event_types",
    "why_not",
]
