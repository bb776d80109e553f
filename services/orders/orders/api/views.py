"""How documents are shown: header, lines with the currency, the customer's credit risk."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .. import contracts, credit, quotes
from ..approval_kinds import APPROVALS
from ..models import Contract, Quote
from . import today

_DOC = (
    "id",
    "version",
    "title",
    "status",
    "customer_id",
    "opportunity_id",
    "owner_id",
    "team_id",
    "currency",
    "document_discount",
    "subtotal",
    "discount_amount",
    "tax_amount",
    "total",
    "created_at",
    "updated_at",
)
_LINE = (
    "id",
    "position",
    "product_id",
    "sku",
    "name",
    "unit",
    "quantity",
    "list_price",
    "unit_price",
    "price_list_id",
    "discount",
    "tax_rate",
    "net_amount",
    "document_discount",
    "amount",
    "tax_amount",
)


def _base(session: Session, doc: Any, lines: list[Any]) -> dict[str, Any]:
    out = {k: getattr(doc, k) for k in _DOC}
    out["lines"] = [
        {**{k: getattr(ln, k) for k in _LINE}, "currency": doc.currency} for ln in lines
    ]
    out["credit_risk"] = credit.risk_of(session, doc.customer_id, doc.currency, today())
    return out


def quote_view(session: Session, quote: Quote) -> dict[str, Any]:
    """A quote with its lines."""
    out = _base(session, quote, quotes.lines_of(session, quote.id))
    for k in (
        "root_id",
        "number",
        "customer_name",
        "customer_tier",
        "region",
        "valid_until",
        "notes",
        "sent_at",
        "decided_at",
    ):
        out[k] = getattr(quote, k)
    return out


def contract_view(session: Session, contract: Contract) -> dict[str, Any]:
    """A contract with its lines, attachments and latest approval request."""
    from crm_shared import files

    out = _base(session, contract, contracts.lines_of(session, contract.id))
    for k in (
        "number",
        "previous_id",
        "renewed_from_id",
        "quote_id",
        "our_signatory",
        "their_signatory",
        "signed_on",
        "start_on",
        "end_on",
        "terms",
        "approved_at",
    ):
        out[k] = getattr(contract, k)
    latest = APPROVALS.latest(session, "contract", contract.id)
    out["approval_request_id"] = latest["id"] if latest else None
    attachments = []
    for raw in filter(None, (contract.attachment_ids or "").split(",")):
        import uuid

        found = files.load(session, uuid.UUID(raw))
        if found is not None:
            attachments.append(
                {
                    "id": found.id,
                    "filename": found.filename,
                    "content_type": found.content_type,
                    "size": found.size,
                }
            )
    out["attachments"] = attachments
    return out
