"""Admins: the routing table, templates (with preview), the delivery log, channels."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN
from crm_shared.web import Blueprint, current_principal, db_session, require_roles, service_context

from .. import administration
from ..models import Route, Template
from ..schemas.admin import (
    ChannelListSchema,
    ChannelSchema,
    MessageDetailSchema,
    MessageListArgsSchema,
    MessagePageSchema,
    PreviewInSchema,
    PreviewSchema,
    RouteInSchema,
    RouteListSchema,
    RouteSchema,
    TemplateInSchema,
    TemplateListArgsSchema,
    TemplateListSchema,
    TemplateSchema,
)

blp = Blueprint(
    "notifications_admin",
    __name__,
    url_prefix="/api/v1/notifications",
    description="Admins: who is told what, how it reads, what was delivered",
)


def _extra() -> dict[str, Any]:
    return service_context().settings.extra


@blp.get("/routes")
@require_roles(ADMIN)
@blp.response(200, RouteListSchema)
def list_routes() -> dict[str, Any]:
    """The routing table: each event type's recipient rules."""
    return {"items": administration.routes(db_session())}


@blp.put("/routes/<string:event_type>")
@require_roles(ADMIN)
@blp.arguments(RouteInSchema)
@blp.response(200, RouteSchema)
def put_route(data: dict[str, Any], event_type: str) -> Route:
    """Replace one event type's recipient rules."""
    return administration.set_route(db_session(), current_principal().id, event_type, data)


@blp.get("/templates")
@require_roles(ADMIN)
@blp.arguments(TemplateListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, TemplateListSchema)
def list_templates(**args: Any) -> dict[str, Any]:
    """Templates per event type and language, each with its last render error."""
    return {"items": administration.templates(db_session(), args.get("event_type"))}


@blp.put("/templates/<string:event_type>/<string:language>")
@require_roles(ADMIN)
@blp.arguments(TemplateInSchema)
@blp.response(200, TemplateSchema)
def put_template(data: dict[str, Any], event_type: str, language: str) -> Template:
    """Save a template; one that does not parse or render is a 422 naming the error."""
    return administration.set_template(
        db_session(), current_principal().id, event_type, language, data
    )


@blp.post("/templates/<string:event_type>/<string:language>/preview")
@require_roles(ADMIN)
@blp.arguments(PreviewInSchema)
@blp.response(200, PreviewSchema)
def preview_template(data: dict[str, Any], event_type: str, language: str) -> dict[str, Any]:
    """Render the template (or a draft) against a real event this service received."""
    return administration.preview(db_session(), event_type, language, data)


@blp.get("/messages")
@require_roles(ADMIN)
@blp.arguments(MessageListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, MessagePageSchema)
def list_messages(**args: Any) -> dict[str, Any]:
    """The delivery log: messages by recipient, channel, status or event type, newest first."""
    items, cursor = administration.messages(db_session(), args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/messages/<uuid:message_id>")
@require_roles(ADMIN)
@blp.response(200, MessageDetailSchema)
def get_message(message_id: uuid.UUID) -> dict[str, Any]:
    """One message and every attempt to deliver it (when, what the other side said)."""
    return administration.message(db_session(), message_id)


@blp.get("/channels")
@require_roles(ADMIN)
@blp.response(200, ChannelListSchema)
def list_channels() -> dict[str, Any]:
    """Each channel: configured, paused, failures in a row."""
    return {"items": administration.channels(db_session(), _extra())}


@blp.post("/channels/<string:channel>/resume")
@require_roles(ADMIN)
@blp.response(200, ChannelSchema)
def resume_channel(channel: str) -> dict[str, Any]:
    """Resume a paused channel."""
    return administration.resume(db_session(), channel, _extra())
