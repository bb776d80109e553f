"""Admins: outbound webhook subscriptions, their delivery log and replay, the allow-list."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, require_roles

from .. import webhooks
from ..models_hooks import WebhookEndpoint
from ..schemas.webhooks import (
    AllowListInSchema,
    AllowListSchema,
    CreatedEndpointSchema,
    DeliveryArgsSchema,
    DeliveryPageSchema,
    DeliverySchema,
    EndpointInSchema,
    EndpointListSchema,
    EndpointPatchSchema,
    EndpointSchema,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/webhooks",
    description="Admins: integrations hear the events as signed CloudEvents",
)


@blp.get("/allow-list")
@require_roles(ADMIN)
@blp.response(200, AllowListSchema)
def get_allow_list() -> dict[str, Any]:
    """Hosts, addresses and networks outbound calls may reach although not public."""
    return {"items": webhooks.allow_entries(db_session())}


@blp.put("/allow-list")
@require_roles(ADMIN)
@blp.arguments(AllowListInSchema)
@blp.response(200, AllowListSchema)
def put_allow_list(data: dict[str, Any]) -> dict[str, Any]:
    """Replace the allow-list (for on-premises systems)."""
    return {
        "items": webhooks.set_allow_entries(db_session(), current_principal().id, data["items"])
    }


@blp.get("")
@require_roles(ADMIN)
@blp.response(200, EndpointListSchema)
def list_endpoints() -> dict[str, Any]:
    """Every subscription, newest first."""
    return {"items": webhooks.endpoints(db_session())}


@blp.post("")
@require_roles(ADMIN)
@blp.arguments(EndpointInSchema)
@blp.response(201, CreatedEndpointSchema)
def create_endpoint(data: dict[str, Any]) -> dict[str, Any]:
    """Subscribe an https URL; the answer carries the signing secret, shown this once.

    A URL that is not https, or resolves to a loopback, private, link-local or
    metadata address (unless allow-listed), is a 422 and nothing is saved.
    """
    row, secret = webhooks.create(db_session(), current_principal().id, data)
    fields = EndpointSchema().fields
    return {**{name: getattr(row, name) for name in fields}, "secret": secret}


@blp.get("/<uuid:endpoint_id>")
@require_roles(ADMIN)
@blp.response(200, EndpointSchema)
def get_endpoint(endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """One subscription."""
    return webhooks.endpoint(db_session(), endpoint_id)


@blp.patch("/<uuid:endpoint_id>")
@require_roles(ADMIN)
@blp.arguments(EndpointPatchSchema)
@blp.response(200, EndpointSchema)
def patch_endpoint(data: dict[str, Any], endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Change a subscription, or enable / disable it."""
    return webhooks.update(db_session(), endpoint_id, data)


@blp.delete("/<uuid:endpoint_id>")
@require_roles(ADMIN)
@blp.response(204)
def delete_endpoint(endpoint_id: uuid.UUID) -> None:
    """Unsubscribe."""
    webhooks.remove(db_session(), endpoint_id)


@blp.get("/<uuid:endpoint_id>/deliveries")
@require_roles(ADMIN)
@blp.arguments(DeliveryArgsSchema, location="query", as_kwargs=True)
@blp.response(200, DeliveryPageSchema)
def list_deliveries(endpoint_id: uuid.UUID, **args: Any) -> dict[str, Any]:
    """The delivery log: each event sent, its attempts and the receiver's answers."""
    items, cursor = webhooks.deliveries(db_session(), endpoint_id, args)
    return {"items": items, "next_cursor": cursor}


@blp.post("/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/replay")
@require_roles(ADMIN)
@blp.response(202, DeliverySchema)
def replay_delivery(endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> dict[str, Any]:
    """Send a delivery again (the sender job picks it up at once)."""
    return webhooks.replay(db_session(), endpoint_id, delivery_id)
