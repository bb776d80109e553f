"""Quote use cases: price, revise, send, accept (``quote.accepted``), reject, expire."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import Database, utcnow
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate
from crm_shared.schemas import format_amount

from .models import Quote, QuoteLine
from .pricing import apply_totals, copy_line, price_lines, totals_of
from .rules.document_states import QUOTE_MOVES, check_move, quote_expired
from .rules.pricing import Buyer


def _write_lines(session: Session, quote: Quote, lines: list[dict[str, Any]]) -> None:
    for line in lines:
        session.add(QuoteLine(id=uuid.uuid4(), quote_id=quote.id, **line))


def create(session: Session, principal: Principal, data: dict[str, Any], today: date) -> Quote:
    """A draft quote for a customer, its lines priced from the catalog."""
    if data.get("valid_until") and data["valid_until"] < today:
        raise ValidationFailed.field("valid_until", "must not be in the past")
    currency = data["currency"]
    buyer = Buyer(data["customer_id"], data.get("customer_tier"), data.get("region"))
    lines = price_lines(session, data["lines"], currency, buyer, today)
    totals = totals_of(lines, data.get("document_discount") or Decimal(0), currency)
    now = utcnow()
    quote_id = uuid.uuid4()
    quote = Quote(
        id=quote_id,
        root_id=quote_id,
        number=f"BJ-{today.year}-{quote_id.hex[:8].upper()}",
        version=1,
        title=data.get("title") or "",
        customer_id=data["customer_id"],
        customer_name=data.get("customer_name"),
        customer_tier=data.get("customer_tier"),
        region=data.get("region"),
        opportunity_id=data.get("opportunity_id"),
        owner_id=principal.id,
        team_id=principal.team_id,
        currency=currency,
        document_discount=data.get("document_discount") or Decimal(0),
        status="draft",
        valid_until=data.get("valid_until"),
        notes=data.get("notes"),
        created_at=now,
        updated_at=now,
    )
    priced = apply_totals(quote, lines, totals)
    session.add(quote)
    session.flush()  # its lines refer to it
    _write_lines(session, quote, priced)
    session.flush()
    return quote


def get(
    session: Session, principal: Principal, quote_id: uuid.UUID, *, lock: bool = False
) -> Quote:
    """A quote in the caller's scope; 404 otherwise."""
    statement = select(Quote).where(Quote.id == quote_id)
    if lock:
        statement = statement.with_for_update()
    quote = session.scalars(statement).first()
    if quote is None or not can_see(principal, quote.owner_id, quote.team_id):
        raise NotFound("no such quote")
    return quote


def lines_of(session: Session, quote_id: uuid.UUID) -> list[QuoteLine]:
    """A quote's lines in order."""
    return list(
        session.scalars(
            select(QuoteLine).where(QuoteLine.quote_id == quote_id).order_by(QuoteLine.position)
        )
    )


def list_page(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Quote], str | None]:
    """A page of quotes in the caller's scope, newest first (every version)."""
    statement = select(Quote).where(scope_clause(principal, Quote.owner_id, Quote.team_id))
    for key in ("customer_id", "opportunity_id", "status", "root_id"):
        if args.get(key):
            statement = statement.where(getattr(Quote, key) == args[key])
    keys = [SortKey(Quote.created_at, "created_at", True), SortKey(Quote.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def revise(
    session: Session, principal: Principal, quote_id: uuid.UUID, data: dict[str, Any], today: date
) -> Quote:
    """A new version of a draft or sent quote; the old one is ``superseded`` and stays readable."""
    old = get(session, principal, quote_id, lock=True)
    check_move("quote", QUOTE_MOVES, old.status, "superseded")
    merged = {
        "customer_id": old.customer_id,
        "customer_name": old.customer_name,
        "customer_tier": old.customer_tier,
        "region": old.region,
        "opportunity_id": old.opportunity_id,
        "currency": old.currency,
        "title": old.title,
        "valid_until": old.valid_until,
        "notes": old.notes,
        "document_discount": old.document_discount,
        **data,
    }
    if "lines" not in data:
        merged["lines"] = [
            {"product_id": ln.product_id, "quantity": ln.quantity, "discount": ln.discount}
            if ln.product_id
            else {
                "name": ln.name,
                "unit": ln.unit,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
                "tax_rate": ln.tax_rate,
            }
            for ln in lines_of(session, old.id)
        ]
    new = create(session, principal, merged, today)
    new.root_id, new.number, new.version = old.root_id, old.number, old.version + 1
    new.owner_id, new.team_id = old.owner_id, old.team_id
    old.status, old.updated_at = "superseded", utcnow()
    return new


def send(session: Session, principal: Principal, quote_id: uuid.UUID) -> Quote:
    """Mark a draft as sent to the customer."""
    quote = get(session, principal, quote_id, lock=True)
    check_move("quote", QUOTE_MOVES, quote.status, "sent")
    quote.status, quote.sent_at = "sent", utcnow()
    quote.updated_at = quote.sent_at
    return quote


def accept(session: Session, principal: Principal, quote_id: uuid.UUID, today: date) -> Quote:
    """The customer accepted: publish ``quote.accepted`` (opportunities takes amount and lines)."""
    quote = get(session, principal, quote_id, lock=True)
    if quote_expired(quote.status, quote.valid_until, today):
        raise ValidationFailed.field("valid_until", f"the quote expired on {quote.valid_until}")
    check_move("quote", QUOTE_MOVES, quote.status, "accepted")
    now = utcnow()
    quote.status, quote.decided_at, quote.updated_at = "accepted", now, now
    money = lambda v: format_amount(v, quote.currency)  # noqa: E731
    outbox.publish(
        session,
        "quote.accepted",
        {
            "quote_id": quote.id,
            "number": quote.number,
            "version": quote.version,
            "opportunity_id": quote.opportunity_id,
            "customer_id": quote.customer_id,
            "owner_id": quote.owner_id,
            "team_id": quote.team_id,
            "currency": quote.currency,
            "amount": money(quote.subtotal - quote.discount_amount),
            "tax_amount": money(quote.tax_amount),
            "total": money(quote.total),
            "lines": [
                {
                    "product_id": ln.product_id,
                    "sku": ln.sku,
                    "name": ln.name,
                    "quantity": format(ln.quantity.normalize(), "f"),
                    "unit_price": money(ln.unit_price),
                    "discount": format(ln.discount.normalize(), "f"),
                    "tax_rate": format(ln.tax_rate.normalize(), "f"),
                    "amount": money(ln.amount),
                }
                for ln in lines_of(session, quote.id)
            ],
            "accepted_at": now,
        },
        subject=quote.id,
    )
    return quote


def reject(session: Session, principal: Principal, quote_id: uuid.UUID) -> Quote:
    """The customer declined the quote."""
    quote = get(session, principal, quote_id, lock=True)
    check_move("quote", QUOTE_MOVES, quote.status, "rejected")
    quote.status = "rejected"
    quote.decided_at = quote.updated_at = utcnow()
    return quote


def expire_due(session: Session, today: date, at: datetime) -> int:
    """Expire every draft or sent quote past its validity date; returns how many."""
    result = session.execute(
        update(Quote)
        .where(Quote.status.in_(("draft", "sent")), Quote.valid_until < today)
        .values(status="expired", updated_at=at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expire_job(db: Database, _settings: Any) -> int:
    """The daily job: expire quotes past their validity."""
    now = utcnow()
    with db.session() as session:
        count = expire_due(session, now.date(), now)
        session.commit()
    return count


def copyable_lines(session: Session, quote_id: uuid.UUID) -> list[dict[str, Any]]:
    """The quote's lines as fields to copy onto a contract."""
    return [copy_line(line) for line in lines_of(session, quote_id)]
