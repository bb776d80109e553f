"""Invoices (发票): requested by a rep, approved by finance through the mechanism, issued."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_shared.approvals.rules import Facts
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, NotFound, ValidationFailed
from crm_shared.schemas import check_amount, format_amount

from . import ordering
from .approval_kinds import APPROVALS
from .models import BuyerProfile, Installment, Invoice

LIVE = ("pending_approval", "approved", "issued")


def invoiced(session: Session, order_id: uuid.UUID) -> Decimal:
    """What the order has invoiced (requested, approved or issued, not void or rejected)."""
    total = session.scalar(
        select(func.sum(Invoice.amount)).where(
            Invoice.order_id == order_id, Invoice.status.in_(LIVE)
        )
    )
    return Decimal(total or 0)


def request_invoice(
    session: Session, principal: Principal, order_id: uuid.UUID, data: dict[str, Any]
) -> Invoice:
    """Request an invoice for the order (or some installments); finance approves it."""
    order = ordering.get(session, principal, order_id, lock=True)
    profile = session.get(BuyerProfile, order.customer_id)
    buyer = {
        k: data.get(k) or (getattr(profile, k) if profile else None)
        for k in ("buyer_title", "tax_number", "bank", "address")
    }
    for key in ("buyer_title", "tax_number"):
        if not buyer[key]:
            raise ValidationFailed.field(
                key, "is required (nothing is remembered for this customer yet)"
            )
    ids = data.get("installment_ids") or []
    if ids:
        rows = list(
            session.scalars(
                select(Installment).where(
                    Installment.id.in_(ids),
                    Installment.order_id == order.id,
                    Installment.void.is_(False),
                )
            )
        )
        if len(rows) != len(set(ids)):
            raise ValidationFailed.field("installment_ids", "name installments of this order")
        amount = sum((r.amount for r in rows), Decimal(0))
    else:
        amount = data.get("amount") or (order.amount - invoiced(session, order.id))
    problem = check_amount(amount, order.currency)
    if problem or amount <= 0:
        raise ValidationFailed.field("amount", problem or "must be greater than zero")
    if invoiced(session, order.id) + amount > order.amount:
        raise ValidationFailed.field(
            "amount",
            f"would invoice more than the order's {format_amount(order.amount, order.currency)}",
        )
    if profile is None:
        profile = BuyerProfile(customer_id=order.customer_id)
        session.add(profile)
    for key, value in buyer.items():
        setattr(profile, key, value)
    profile.updated_at = utcnow()
    now = utcnow()
    invoice = Invoice(
        id=uuid.uuid4(),
        order_id=order.id,
        status="pending_approval",
        amount=amount,
        currency=order.currency,
        installment_ids=[str(i) for i in ids],
        requested_by=principal.id,
        created_at=now,
        updated_at=now,
        **buyer,
    )
    session.add(invoice)
    session.flush()
    shown = format_amount(amount, order.currency)
    title = f"发票申请 · {shown} {order.currency} · {buyer['buyer_title']}"
    APPROVALS.submit(
        session,
        "invoice",
        invoice.id,
        Facts(amount=amount, currency=order.currency),
        principal.id,
        title,
    )
    return invoice


def approval_closed(session: Session, invoice_id: uuid.UUID, status: str, at: datetime) -> None:
    """The approval closed: the invoice is ``approved`` or ``rejected``."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is not None and invoice.status == "pending_approval":
        invoice.status, invoice.updated_at = status, at


def get(
    session: Session, principal: Principal, invoice_id: uuid.UUID, *, lock: bool = False
) -> Invoice:
    """An invoice whose order is in the caller's scope (finance sees all); 404 otherwise."""
    invoice = session.get(Invoice, invoice_id, with_for_update=lock)
    if invoice is None:
        raise NotFound("no such invoice")
    if not principal.has_role("finance", "admin"):
        ordering.get(session, principal, invoice.order_id)
    return invoice


def issue(session: Session, principal: Principal, invoice_id: uuid.UUID, number: str) -> Invoice:
    """Finance issues an approved invoice under its number (unique)."""
    invoice = get(session, principal, invoice_id, lock=True)
    if invoice.status != "approved":
        raise Conflict(
            f"only an approved invoice is issued; this one is {invoice.status}",
            status_now=invoice.status,
        )
    if session.scalar(select(Invoice.id).where(Invoice.number == number)):
        raise ValidationFailed.field("number", "is already used by another invoice")
    invoice.number, invoice.status = number, "issued"
    invoice.issued_at = invoice.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict("the invoice number was taken meanwhile") from exc
    return invoice


def void(session: Session, principal: Principal, invoice_id: uuid.UUID, reason: str) -> Invoice:
    """Void an invoice with a reason."""
    invoice = get(session, principal, invoice_id, lock=True)
    if invoice.status in ("void", "rejected"):
        raise Conflict(f"the invoice is already {invoice.status}", status_now=invoice.status)
    if invoice.status == "pending_approval":
        raise Conflict("withdraw the pending approval request instead", status_now=invoice.status)
    if not reason.strip():
        raise ValidationFailed.field("reason", "say why the invoice is void")
    invoice.status, invoice.void_reason, invoice.updated_at = "void", reason, utcnow()
    return invoice


def of_order(session: Session, principal: Principal, order_id: uuid.UUID) -> list[Invoice]:
    """The order's invoices, oldest first."""
    order = ordering.get(session, principal, order_id)
    return list(
        session.scalars(
            select(Invoice).where(Invoice.order_id == order.id).order_by(Invoice.created_at)
        )
    )
