"""Who is told about an event: recipient rules, checked and resolved.

A route is a list of rules, each one of:

- ``{"kind": "field", "field": "owner_id"}``: the user (or list of users) the
  event's data names in that field (the owner, the assignee, the previous
  owner, the approver, ``recipient_ids``...);
- ``{"kind": "manager", "field": "owner_id", "levels": 1}``: the managers
  above that user in the directory, nearest first;
- ``{"kind": "role", "role": "finance"}``: every active user holding a role;
- ``{"kind": "users", "user_ids": [...]}``: named users;
- ``{"kind": "earlier", "event_type": "customer.recycled", "match":
  "customer_id", "field": "previous_owner_id"}``: a user named by the latest
  earlier event of another type about the same record.

Any rule may carry ``"when": {"field": value}``: it applies only when the
event's data holds those values.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from crm_shared.auth import ROLES
from crm_shared.directory import Directory

KINDS = ("field", "manager", "role", "users", "earlier")
MAX_RULES = 20
MAX_LEVELS = 5

# (event_type, match field, match value, wanted field) -> the value, or None
Earlier = Callable[[str, str, Any, str], Any]


def rule_errors(rules: Any, known_types: Iterable[str]) -> list[str]:
    """What is wrong with a route's rules (empty when it is fine)."""
    if not isinstance(rules, list):
        return ["must be a list of rules"]
    if len(rules) > MAX_RULES:
        return [f"at most {MAX_RULES} rules"]
    known = set(known_types)
    errors: list[str] = []
    for i, rule in enumerate(rules):
        where = f"rule {i}"
        if not isinstance(rule, dict):
            errors.append(f"{where}: must be an object")
            continue
        kind = rule.get("kind")
        allowed = {"kind", "when"}
        if kind not in KINDS:
            errors.append(f"{where}: kind must be one of {', '.join(KINDS)}")
            continue
        if kind in ("field", "manager", "earlier"):
            allowed.add("field")
            if not _name(rule.get("field")):
                errors.append(f"{where}: field must name a field of the event's data")
        if kind == "manager":
            allowed.add("levels")
            levels = rule.get("levels", 1)
            if not isinstance(levels, int) or isinstance(levels, bool):
                errors.append(f"{where}: levels must be a whole number")
            elif not 1 <= levels <= MAX_LEVELS:
                errors.append(f"{where}: levels must be between 1 and {MAX_LEVELS}")
        if kind == "role":
            allowed.add("role")
            if rule.get("role") not in ROLES:
                errors.append(f"{where}: role must be one of {', '.join(ROLES)}")
        if kind == "users":
            allowed.add("user_ids")
            ids = rule.get("user_ids")
            if not isinstance(ids, list) or not ids or not all(_is_uuid(v) for v in ids):
                errors.append(f"{where}: user_ids must be a non-empty list of user ids")
        if kind == "earlier":
            allowed |= {"event_type", "match"}
            if rule.get("event_type") not in known:
                errors.append(f"{where}: event_type must be a known event type")
            if not _name(rule.get("match")):
                errors.append(f"{where}: match must name a field of the event's data")
        when = rule.get("when")
        if when is not None and (
            not isinstance(when, dict)
            or not all(_name(k) and isinstance(v, str | int | bool) for k, v in when.items())
        ):
            errors.append(f"{where}: when must map field names to plain values")
        extra = set(rule) - allowed
        if extra:
            errors.append(f"{where}: unknown keys {', '.join(sorted(extra))}")
    return errors


def _name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 80 and value.replace("_", "").isalnum()


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _ids(value: Any) -> list[uuid.UUID]:
    values = value if isinstance(value, list) else [value]
    found = []
    for v in values:
        if v not in (None, "") and _is_uuid(v):
            found.append(uuid.UUID(str(v)))
    return found


def resolve(
    rules: list[dict[str, Any]],
    data: dict[str, Any],
    directory: Directory,
    *,
    earlier: Earlier | None = None,
    exclude: Iterable[str] = (),
) -> list[uuid.UUID]:
    """The recipients of an event, in rule order, each once, minus ``exclude`` (its actors).

    Users the directory knows as inactive are left out; users it does not
    know yet are kept (their ``user.created`` may still be on its way).
    """
    skip = {str(x) for x in exclude}
    found: list[uuid.UUID] = []
    for rule in rules:
        when = rule.get("when") or {}
        if any(data.get(k) != v for k, v in when.items()):
            continue
        kind = rule["kind"]
        chosen: list[uuid.UUID] = []
        if kind == "field":
            chosen = _ids(data.get(rule["field"]))
        elif kind == "manager":
            for user in _ids(data.get(rule["field"])):
                chosen.extend(directory.managers_up(user, int(rule.get("levels", 1))))
        elif kind == "role":
            chosen = directory.users_with_role(rule["role"])
        elif kind == "users":
            chosen = _ids(rule["user_ids"])
        elif kind == "earlier" and earlier is not None:
            value = data.get(rule["match"])
            if value is not None:
                chosen = _ids(earlier(rule["event_type"], rule["match"], value, rule["field"]))
        for user_id in chosen:
            if user_id in found or str(user_id) in skip:
                continue
            person = directory.user(user_id)
            if person is not None and not person.active:
                continue
            found.append(user_id)
    return found
