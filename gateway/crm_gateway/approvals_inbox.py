"""``GET /api/v1/approvals?mine=pending``: one inbox over every service's approvals.

Each service that declares ``approvals=True`` in its ServiceSpec serves its
own pending list at ``/api/v1/<service>/approvals?mine=pending``. The
gateway asks each of them with the caller's token (so each applies its own
rules), merges the answers by submitted time, longest waiting first, and
pages through the merge with a cursor holding every service's position.
A service that does not answer is named in ``unavailable``; the rest of the
inbox still shows.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any
from urllib.parse import urlencode

from marshmallow import fields, validate

from crm_shared.approvals import APPROVALS_PATH
from crm_shared.errors import ServiceUnavailable, ValidationFailed
from crm_shared.http import ServiceClient
from crm_shared.schemas import PageArgsSchema, StrictSchema
from crm_shared.service import discover
from crm_shared.web import Blueprint, service_context

inbox = Blueprint(
    "approvals_inbox",
    __name__,
    url_prefix="/api/v1/approvals",
    description="Every approval awaiting the caller, across services",
)


class InboxArgsSchema(PageArgsSchema):
    """``mine=pending``: what the caller may decide now."""

    mine = fields.String(required=True, validate=validate.OneOf(["pending"]))


class InboxItemSchema(StrictSchema):
    """A pending request, with the service holding it and where to decide it."""

    id = fields.UUID()
    service = fields.String()
    kind = fields.String()
    document_id = fields.UUID()
    document_path = fields.String(allow_none=True)
    title = fields.String()
    status = fields.String()
    submitter_id = fields.UUID()
    submitted_at = fields.String()
    step_name = fields.String(allow_none=True)
    facts = fields.Dict()
    decide_url = fields.String()


class InboxPageSchema(StrictSchema):
    """One page of the merged inbox."""

    items = fields.List(fields.Nested(InboxItemSchema), required=True)
    next_cursor = fields.String(allow_none=True)
    unavailable = fields.List(
        fields.String(), metadata={"description": "services that did not answer"}
    )


def approval_services() -> list[str]:
    """Services whose approvals the inbox merges.

    ``CRM_APPROVAL_SERVICES`` (comma-separated) names them where the gateway
    runs without the services installed (containers); otherwise every
    installed ServiceSpec declaring ``approvals``.
    """
    named = os.environ.get("CRM_APPROVAL_SERVICES", "")
    if named.strip():
        return [n.strip() for n in named.split(",") if n.strip()]
    return sorted(name for name, spec in discover().items() if spec.approvals)


def _decode(cursor: str | None) -> dict[str, str | None]:
    # Per service: its cursor, or None once that service is exhausted.
    if not cursor:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict):
            raise ValueError
        return {str(k): (str(v) if v is not None else None) for k, v in data.items()}
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValidationFailed.field("cursor", "is not a cursor from this list") from exc


def _encode(positions: dict[str, str | None]) -> str:
    raw = json.dumps(positions, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_clients: dict[tuple[str, str], ServiceClient] = {}


def _client(name: str, url: str) -> ServiceClient:
    key = (name, url)
    if key not in _clients:
        _clients[key] = ServiceClient(name, url, timeout=(1.0, 3.0))
    return _clients[key]


def _current_step(item: dict[str, Any]) -> str | None:
    for step in item.get("steps") or []:
        if step.get("status") == "current":
            return step.get("name")
    return None


@inbox.get("")
@inbox.arguments(InboxArgsSchema, location="query", as_kwargs=True)
@inbox.response(200, InboxPageSchema)
def pending_inbox(**args: Any) -> dict[str, Any]:
    """Every request the caller may decide now, across services, longest waiting first."""
    limit: int = args["limit"]
    positions = _decode(args.get("cursor"))
    urls = service_context().settings.extra["service_urls"]
    fetched: dict[str, tuple[list[dict[str, Any]], bool]] = {}
    unavailable: list[str] = []
    for name in approval_services():
        if name not in urls or (name in positions and positions[name] is None):
            continue
        query = {"mine": "pending", "limit": limit}
        if positions.get(name):
            query["cursor"] = positions[name]
        path = APPROVALS_PATH.format(service=name) + "?" + urlencode(query)
        try:
            status, body = _client(name, urls[name]).get(path)
        except ServiceUnavailable:
            unavailable.append(name)
            continue
        if status != 200 or not isinstance(body, dict):
            unavailable.append(name)
            continue
        fetched[name] = (list(body.get("items") or []), body.get("next_cursor") is not None)
    merged = sorted(
        (
            (item["submitted_at"], item["id"], name, item)
            for name, (items, _) in fetched.items()
            for item in items
        ),
        key=lambda t: (t[0], t[1]),
    )
    page = merged[:limit]
    after = dict(positions)
    for name, (items, more) in fetched.items():
        taken = [t for t in page if t[2] == name]
        if taken:
            after[name] = taken[-1][3]["inbox_cursor"]
        if len(taken) == len(items) and not more:
            after[name] = None
    # Services that did not answer keep their position for the next page.
    done = all(after.get(name, "") is None for name in fetched) and not unavailable
    next_cursor = None if done and len(merged) <= limit else _encode(after)
    return {
        "items": [{**t[3], "step_name": _current_step(t[3])} for t in page],
        "next_cursor": next_cursor,
        "unavailable": unavailable,
    }
