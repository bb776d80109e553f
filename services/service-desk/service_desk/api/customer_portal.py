"""The customer's ticket page (public: the signed link is the credential)."""

from __future__ import annotations

from typing import Any

from crm_shared.web import Blueprint, db_session, public, service_context

from .. import customer_portal
from ..schemas.customer_portal import PortalReplySchema, PortalViewSchema

blp = Blueprint(
    "customer_portal",
    __name__,
    url_prefix="/api/v1/tickets/portal",
    description="The customer's page of a ticket, by signed link",
)


@blp.get("/<string:token>")
@public
@blp.doc(security=[])
@blp.response(200, PortalViewSchema)
def show(token: str) -> dict[str, Any]:
    """Status, the public thread and the SLA promise (404 for a forged or expired link)."""
    return _renamed(customer_portal.view(db_session(), token))


@blp.post("/<string:token>")
@public
@blp.doc(security=[])
@blp.arguments(PortalReplySchema)
@blp.response(200, PortalViewSchema)
def reply(data: dict[str, Any], token: str) -> dict[str, Any]:
    """The customer replies; a ticket waiting on them goes back to the team."""
    shown = customer_portal.reply(service_context().db, db_session(), token, data["body"])
    return _renamed(shown)


def _renamed(view: dict[str, Any]) -> dict[str, Any]:
    # The schema's attribute is ``from_`` (``from`` is a keyword); it is sent as ``from``.
    return {**view, "thread": [{**m, "from_": m.pop("from")} for m in view["thread"]]}
