"""Credit risk per customer, from their installments; published as ``customer.credit_rated``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.schemas import format_amount

from .models import CreditRating, Installment
from .rules.credit import PaymentRecord, credit_risk
from .rules.installments import installment_status


def record_of(
    session: Session, customer_id: uuid.UUID, currency: str, today: date
) -> PaymentRecord:
    """How ``customer_id`` has paid in ``currency``, as the risk rule needs it."""
    rows = session.scalars(
        select(Installment).where(
            Installment.customer_id == customer_id,
            Installment.currency == currency,
            Installment.void.is_(False),
        )
    )
    due = late = days = 0
    outstanding = overdue = Decimal(0)
    for inst in rows:
        lacking = inst.amount - inst.received
        outstanding += max(lacking, Decimal(0))
        status = installment_status(inst.amount, inst.received, inst.due_on, today)
        if status == "overdue":
            overdue += lacking
        if inst.due_on < today or status == "paid":
            due += 1
            paid_late = inst.paid_on is not None and inst.paid_on > inst.due_on
            if paid_late or status == "overdue":
                late += 1
                days += ((inst.paid_on or today) - inst.due_on).days
    rating = session.get(CreditRating, (customer_id, currency))
    limit = rating.credit_limit if rating is not None else None
    return PaymentRecord(due, late, days, outstanding, overdue, limit)


def risk_of(session: Session, customer_id: uuid.UUID, currency: str, today: date) -> str:
    """``low | medium | high`` for the customer in ``currency``."""
    return credit_risk(record_of(session, customer_id, currency, today))


def view(session: Session, customer_id: uuid.UUID, currency: str, today: date) -> dict[str, Any]:
    """The risk with the figures behind it."""
    record = record_of(session, customer_id, currency, today)
    return {
        "customer_id": customer_id,
        "currency": currency,
        "risk": credit_risk(record),
        "installments_due": record.installments_due,
        "paid_late": record.paid_late,
        "share_paid_late": str(
            (Decimal(record.paid_late) / record.installments_due).quantize(Decimal("0.01"))
        )
        if record.installments_due
        else "0.00",
        "average_days_late": str(
            (Decimal(record.days_late_total) / max(record.paid_late, 1)).quantize(Decimal("0.1"))
        ),
        "outstanding": format_amount(record.outstanding, currency),
        "overdue": format_amount(record.overdue, currency),
        "credit_limit": format_amount(record.credit_limit, currency)
        if record.credit_limit is not None
        else None,
    }


def publish_rating(
    session: Session, customer_id: uuid.UUID, currency: str, today: date, at: datetime
) -> None:
    """Publish ``customer.credit_rated`` (customers shows it in the 360° view)."""
    figures = view(session, customer_id, currency, today)
    outbox.publish(
        session,
        "customer.credit_rated",
        {k: v for k, v in figures.items() if k != "credit_limit"} | {"rated_at": at},
        subject=customer_id,
    )


def set_limit(
    session: Session, customer_id: uuid.UUID, currency: str, limit: Decimal | None, today: date
) -> dict[str, Any]:
    """Set (or clear) a customer's credit limit in ``currency``."""
    rating = session.get(CreditRating, (customer_id, currency))
    if rating is None:
        rating = CreditRating(
            customer_id=customer_id,
            currency=currency,
            risk=risk_of(session, customer_id, currency, today),
        )
        session.add(rating)
    rating.credit_limit = limit
    session.flush()
    return view(session, customer_id, currency, today)


def rate_all(session: Session, today: date, at: datetime) -> int:
    """Rate every customer with installments; publish ``customer.credit_rated`` on change."""
    pairs = session.execute(select(Installment.customer_id, Installment.currency).distinct()).all()
    published = 0
    for customer_id, currency in pairs:
        risk = risk_of(session, customer_id, currency, today)
        rating = session.get(CreditRating, (customer_id, currency))
        if rating is not None and rating.risk == risk:
            continue
        if rating is None:
            rating = CreditRating(customer_id=customer_id, currency=currency)
            session.add(rating)
        rating.risk, rating.rated_at = risk, at
        publish_rating(session, customer_id, currency, today, at)
        published += 1
    return published


def rating_job(db: Any, _settings: Any) -> int:
    """The daily job: re-rate customers, publish the changes."""
    from crm_shared.db import utcnow

    now = utcnow()
    with db.session() as session:
        count = rate_all(session, now.date(), now)
        session.commit()
    return count
