"""Invoice routes: request (rep), issue and void (finance)."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.web import Blueprint, current_principal, db_session, idempotent

from .. import invoicing
from ..models import Invoice
from ..schemas.common import ReasonSchema
from ..schemas.invoices import InvoiceInSchema, InvoiceListSchema, InvoiceSchema, IssueInSchema

blp = Blueprint("invoices", __name__, url_prefix="/api/v1/invoices", description="Invoices (发票)")
order_invoices = Blueprint(
    "order_invoices", __name__, url_prefix="/api/v1/orders", description="An order's invoices"
)


@order_invoices.post("/<uuid:order_id>/invoices")
@idempotent
@order_invoices.arguments(InvoiceInSchema)
@order_invoices.response(201, InvoiceSchema)
def request_invoice(data: dict[str, Any], order_id: uuid.UUID) -> Invoice:
    """Request an invoice; it goes to finance through the ``invoice`` approval flow."""
    return invoicing.request_invoice(db_session(), current_principal(), order_id, data)


@order_invoices.get("/<uuid:order_id>/invoices")
@order_invoices.response(200, InvoiceListSchema)
def list_invoices(order_id: uuid.UUID) -> dict[str, Any]:
    """The order's invoices."""
    return {"items": invoicing.of_order(db_session(), current_principal(), order_id)}


@blp.get("/<uuid:invoice_id>")
@blp.response(200, InvoiceSchema)
def get_invoice(invoice_id: uuid.UUID) -> Invoice:
    """One invoice."""
    return invoicing.get(db_session(), current_principal(), invoice_id)


@blp.post("/<uuid:invoice_id>/issue")
@blp.arguments(IssueInSchema)
@blp.response(200, InvoiceSchema)
def issue_invoice(data: dict[str, Any], invoice_id: uuid.UUID) -> Invoice:
    """Issue an approved invoice under its number."""
    return invoicing.issue(db_session(), current_principal(), invoice_id, data["number"])


@blp.post("/<uuid:invoice_id>/void")
@blp.arguments(ReasonSchema)
@blp.response(200, InvoiceSchema)
def void_invoice(data: dict[str, Any], invoice_id: uuid.UUID) -> Invoice:
    """Void an invoice with a reason."""
    return invoicing.void(db_session(), current_principal(), invoice_id, data["reason"])
