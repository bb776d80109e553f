"""Credit risk of a customer (low | medium | high) from how they have paid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PaymentRecord:
    """What the risk looks at: installments due so far and their lateness."""

    installments_due: int
    paid_late: int  # paid after due, or still unpaid past due
    days_late_total: int
    outstanding: Decimal
    overdue: Decimal
    credit_limit: Decimal | None = None


def credit_risk(record: PaymentRecord) -> str:
    """``high`` when half or more is paid late, 30+ days late on average, overdue
    exposure over a quarter of what is outstanding, or over the credit limit;
    ``medium`` when a fifth is late or 10+ days on average; ``low`` otherwise.
    A customer with nothing due yet is ``low`` unless over the limit.
    """
    over_limit = record.credit_limit is not None and record.outstanding > record.credit_limit
    if record.installments_due == 0:
        return "high" if over_limit else "low"
    share_late = Decimal(record.paid_late) / record.installments_due
    avg_late = Decimal(record.days_late_total) / max(record.paid_late, 1)
    overdue_share = record.overdue / record.outstanding if record.outstanding > 0 else Decimal(0)
    if (
        over_limit
        or share_late >= Decimal("0.5")
        or avg_late >= 30
        or overdue_share > Decimal("0.25")
    ):
        return "high"
    if share_late >= Decimal("0.2") or avg_late >= 10:
        return "medium"
    return "low"
