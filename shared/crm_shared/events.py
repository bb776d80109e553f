"""Domain events on the wire: CloudEvents 1.0 envelopes and their contracts.

An event travels as a CloudEvents structured-mode JSON document. Its
``data`` must satisfy the JSON Schema of its type and version, kept in
``crm_shared/contracts/<type>.v<version>.json``; the AsyncAPI catalog in
``docs/`` is generated from the same files, so the contract teams read is
the one the code enforces.
"""

from __future__ import annotations

import enum
import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

_rs: Any
try:  # optional accelerator; the pure Python validator stays the reference
    import jsonschema_rs as _rs
except ImportError:  # pragma: no cover
    _rs = None

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
DATA_CONTENT_TYPE = "application/json"
_REQUIRED = ("specversion", "id", "source", "type")

# Loop protection for automation rules (services/notifications): the rule ids
# whose actions caused an event travel with it as this CloudEvent extension
# attribute, and with an HTTP call an action makes as this header. Anything
# published while handling such an event or request carries the chain on.
AUTOMATION_ATTRIBUTE = "crmautomation"
AUTOMATION_HEADER = "CRM-Automation"
_AUTOMATION_CHAIN = re.compile(r"^[0-9A-Za-z-]+(,[0-9A-Za-z-]+){0,19}$")
_automation: ContextVar[str | None] = ContextVar("crm_automation", default=None)


def clean_automation(value: Any) -> str | None:
    """A well-formed automation chain (comma-separated rule ids, at most 20), else None."""
    if not isinstance(value, str) or len(value) > 1000 or not _AUTOMATION_CHAIN.match(value):
        return None
    return value


def current_automation() -> str | None:
    """The automation chain of what is being handled now: an event, or an HTTP request."""
    value = _automation.get()
    if value is None:
        from flask import has_request_context, request

        if has_request_context():
            value = request.headers.get(AUTOMATION_HEADER)
    return clean_automation(value)


@contextmanager
def caused_by_automation(chain: str | None) -> Iterator[None]:
    """Within the block, published events carry ``chain`` (the handled event's)."""
    token = _automation.set(clean_automation(chain))
    try:
        yield
    finally:
        _automation.reset(token)


class ContractError(ValueError):
    """An event's data does not match its published contract."""


def schema_uri(event_type: str, version: int) -> str:
    """The ``dataschema`` URI naming an event type's contract version."""
    return f"urn:crm:events:{event_type}:v{version}"


def jsonable(value: Any) -> Any:
    """Turn Decimals, UUIDs, datetimes and enums into their JSON forms, recursively."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    return value


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 timestamp (``Z`` accepted) into an aware UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@cache
def contract(event_type: str, version: int = 1) -> dict[str, Any]:
    """The JSON Schema of an event type's version."""
    name = f"{event_type}.v{version}.json"
    try:
        text = resources.files("crm_shared.contracts").joinpath(name).read_text("utf-8")
    except FileNotFoundError as exc:
        raise ContractError(f"no contract for {event_type} v{version}") from exc
    return json.loads(text)


def contract_names() -> list[tuple[str, int]]:
    """Every (event type, version) with a contract file."""
    found = []
    for entry in resources.files("crm_shared.contracts").iterdir():
        name = entry.name
        if name.endswith(".json") and ".v" in name:
            event_type, _, rest = name[: -len(".json")].rpartition(".v")
            found.append((event_type, int(rest)))
    return sorted(found)


@cache
def _validator(event_type: str, version: int) -> Draft202012Validator:
    schema = contract(event_type, version)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _formats(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            found.add(schema["format"])
        for value in schema.values():
            found |= _formats(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _formats(value)
    return found


@cache
def _fast_validator(event_type: str, version: int) -> Any:
    # jsonschema-rs answers "valid?" some fifty times faster than the pure
    # Python validator. It checks each format with the very function the
    # Python FormatChecker uses (formats that checker does not know pass, as
    # they do there), and any "invalid" answer is re-judged by the Python
    # validator, which alone decides and words the error: the outcome is
    # exactly the Python validator's, only the common valid case is faster.
    if _rs is None:
        return None
    checker = FormatChecker()
    schema = contract(event_type, version)
    formats = {
        name: (lambda value, name=name: checker.conforms(value, name)) for name in _formats(schema)
    }
    return _rs.Draft202012Validator(schema, formats=formats, validate_formats=True)


def validate_data(event_type: str, version: int, data: Any) -> None:
    """Raise :class:`ContractError` when ``data`` breaks the contract."""
    fast = _fast_validator(event_type, version)
    if fast is not None and fast.is_valid(data):
        return
    errors = sorted(_validator(event_type, version).iter_errors(data), key=lambda e: e.path)
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(root)"
        raise ContractError(f"{event_type} v{version}: {where}: {first.message}")


@dataclass(frozen=True)
class Event:
    """A received or outgoing domain event."""

    id: str
    type: str
    source: str
    time: datetime
    data: dict[str, Any]
    subject: str | None = None
    dataschema: str | None = None
    traceparent: str | None = None
    # Rule ids whose automation actions caused this event (AUTOMATION_ATTRIBUTE).
    automation: str | None = None

    @property
    def version(self) -> int:
        """The contract version, read from ``dataschema`` (1 when absent)."""
        if self.dataschema and ":v" in self.dataschema:
            try:
                return int(self.dataschema.rsplit(":v", 1)[1])
            except ValueError:
                return 1
        return 1

    def to_envelope(self) -> dict[str, Any]:
        """The structured-mode CloudEvents document."""
        envelope: dict[str, Any] = {
            "specversion": SPECVERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": format_time(self.time),
            "datacontenttype": DATA_CONTENT_TYPE,
            "data": self.data,
        }
        if self.subject is not None:
            envelope["subject"] = self.subject
        if self.dataschema is not None:
            envelope["dataschema"] = self.dataschema
        if self.traceparent:
            envelope["traceparent"] = self.traceparent
        if self.automation:
            envelope[AUTOMATION_ATTRIBUTE] = self.automation
        return envelope

    @classmethod
    def from_envelope(cls, envelope: Any) -> Event:
        """Parse a CloudEvents document; raise ValueError when it is not one."""
        if not isinstance(envelope, dict):
            raise ValueError("event is not a JSON object")
        missing = [k for k in _REQUIRED if not envelope.get(k)]
        if missing:
            raise ValueError(f"event lacks {', '.join(missing)}")
        if envelope["specversion"] != SPECVERSION:
            raise ValueError(f"unsupported specversion {envelope['specversion']!r}")
        data = envelope.get("data")
        if not isinstance(data, dict):
            raise ValueError("event data is not a JSON object")
        time = envelope.get("time")
        return cls(
            id=str(envelope["id"]),
            type=str(envelope["type"]),
            source=str(envelope["source"]),
            time=parse_time(time) if time else datetime.now(UTC),
            data=data,
            subject=envelope.get("subject"),
            dataschema=envelope.get("dataschema"),
            traceparent=envelope.get("traceparent"),
            automation=clean_automation(envelope.get(AUTOMATION_ATTRIBUTE)),
        )


def new_event(
    event_type: str,
    data: dict[str, Any],
    *,
    source: str,
    subject: str | None = None,
    version: int = 1,
    traceparent: str | None = None,
    automation: str | None = None,
) -> Event:
    """Build an event whose data has been checked against its contract."""
    payload = jsonable(data)
    validate_data(event_type, version, payload)
    return Event(
        id=str(uuid.uuid4()),
        type=event_type,
        source=f"crm/{source}",
        time=datetime.now(UTC),
        data=payload,
        subject=subject,
        dataschema=schema_uri(event_type, version),
        traceparent=traceparent,
        automation=clean_automation(automation),
    )
