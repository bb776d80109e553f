"""Erasure rules: which stored data refers to an erased person, and what of it stays.

An erased customer, its contacts and a lead are known by their ids (a
tombstone each). Ids are UUIDs, unique across the system, so any value of an
event's data equal to an erased id (or listing one) marks the whole event as
"about" that person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ERASED_TEXT = "(erased)"
ERASE_EVENTS = ("customer.erased", "lead.erased")
# Kept when the rest is dropped: references (ids) and times, which name nobody
# and which routing ("the lead's owner"), links and previews still read.
_KEPT_SUFFIXES = ("_id", "_ids", "_at")


def erased_ids(event_type: str, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (kind, id) tombstones an erase event asks for; none for any other event."""
    found: list[tuple[str, str]] = []
    if event_type == "customer.erased":
        found.append(("customer", str(data["customer_id"])))
        found += [("contact", str(c)) for c in data.get("contact_ids") or []]
        if data.get("lead_id"):
            found.append(("lead", str(data["lead_id"])))
    elif event_type == "lead.erased":
        found.append(("lead", str(data["lead_id"])))
    return found


def _values(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for inner in value.values():
            yield from _values(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _values(inner)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def refers_to(data: Mapping[str, Any] | None, erased: set[str] | frozenset[str]) -> bool:
    """Whether any value of ``data`` (at any depth) is one of the ``erased`` ids."""
    if not data or not erased:
        return False
    return any(v in erased for v in _values(data))


def scrubbed(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without personal data: only top-level ids and times, and the marker."""
    kept = {
        k: v
        for k, v in data.items()
        if k.endswith(_KEPT_SUFFIXES) and not isinstance(v, Mapping) and k != "erased"
    }
    kept["erased"] = True
    return kept


def is_scrubbed(data: Mapping[str, Any] | None) -> bool:
    """Whether ``data`` was already scrubbed (a replayed erase changes nothing more)."""
    return bool(data) and data.get("erased") is True  # type: ignore[union-attr]
