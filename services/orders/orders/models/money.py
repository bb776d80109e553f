"""Payment plans, installments, receipts and refunds, reminders, invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import JSONType, Money, UTCDateTime, new_id, utcnow

from .base import Base


class Installment(Base):
    """One installment of an order's plan; its status is derived, never stored."""

    __tablename__ = "installments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("orders.id", ondelete="CASCADE"))
    # Copied from the order (fixed for its life) so receivables reports read one table.
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    received: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # sum of its allocations
    due_on: Mapped[date] = mapped_column(Date)
    remind_days: Mapped[int] = mapped_column(Integer, default=3)
    void: Mapped[bool] = mapped_column(default=False)
    paid_on: Mapped[date | None] = mapped_column(Date)  # when receipts first covered it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_installments_order", "order_id", "seq"),
        Index("ix_installments_due", "due_on"),
        Index("ix_installments_customer", "currency", "customer_id"),
    )


class PlanRevision(Base):
    """Every version of an order's plan: who changed it, when and to what."""

    __tablename__ = "plan_revisions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    installments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    template: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """A receipt (回款) against an order, or a refund (a negative receipt with a reason)."""

    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("orders.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Money)  # negative for a refund
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(30))
    reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    refund_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (Index("ix_payments_order_received", "order_id", "received_at"),)

    @property
    def kind(self) -> str:
        """``receipt`` or ``refund``."""
        return "refund" if self.amount < 0 else "receipt"


class Allocation(Base):
    """The part of a receipt (or refund, negative) applied to one installment."""

    __tablename__ = "allocations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("payments.id", ondelete="CASCADE"), index=True
    )
    installment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("installments.id"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)


class EscalationStep(Base):
    """A rung of the overdue ladder admins configure: N days after due, notify whom."""

    __tablename__ = "escalation_steps"

    days_after: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    notify: Mapped[str] = mapped_column(String(20))  # owner | manager | finance
    name: Mapped[str] = mapped_column(String(100))


class ReminderSent(Base):
    """A reminder or escalation step already published for an installment (each once)."""

    __tablename__ = "reminders_sent"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    installment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("installments.id", ondelete="CASCADE")
    )
    step: Mapped[str] = mapped_column(String(40))  # "due_soon" or "overdue:<days>"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("installment_id", "step"),)


class BuyerProfile(Base):
    """Invoice details remembered per customer (title, tax number, bank, address)."""

    __tablename__ = "buyer_profiles"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    buyer_title: Mapped[str] = mapped_column(String(300))
    tax_number: Mapped[str] = mapped_column(String(50))
    bank: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invoice(Base):
    """An invoice (发票) requested by a rep, approved by finance, then issued."""

    __tablename__ = "invoices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(20)
    )  # pending_approval|approved|rejected|issued|void
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    installment_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    buyer_title: Mapped[str] = mapped_column(String(300))
    tax_number: Mapped[str] = mapped_column(String(50))
    bank: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    number: Mapped[str | None] = mapped_column(String(50), unique=True)
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditRating(Base):
    """The last credit risk published per customer and currency (publish on change only)."""

    __tablename__ = "credit_ratings"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    risk: Mapped[str] = mapped_column(String(10))
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Receivables kept pre-aggregated (orders/balances.py): derived from the
# installments and orders in the same transaction as every change; the
# ``receivables-rebuild`` job builds the next day's rows beside the live ones
# and then switches ``receivables_state.as_of`` (writers never wait for it).
# Amounts are whole ten-thousandths (BigInteger), so sums are exact on every
# database.


class ReceivablesState(Base):
    """The one row saying as of which day the balances' buckets are (None: not built yet)."""

    __tablename__ = "receivables_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    as_of: Mapped[date | None] = mapped_column(Date)
    rebuilt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day whose rows the job is building beside the live ones (None: no build),
    # and the same day once they are all written (then only catching up is left).
    building: Mapped[date | None] = mapped_column(Date)
    ready: Mapped[date | None] = mapped_column(Date)


class ReceivableBalance(Base):
    """A customer's receivables with one owner and team in one currency, as of ``as_of``."""

    __tablename__ = "receivable_balances"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    as_of: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    outstanding: Mapped[int] = mapped_column(BigInteger)
    current: Mapped[int] = mapped_column(BigInteger)
    d0_30: Mapped[int] = mapped_column(BigInteger)
    d31_60: Mapped[int] = mapped_column(BigInteger)
    d61_90: Mapped[int] = mapped_column(BigInteger)
    d90_plus: Mapped[int] = mapped_column(BigInteger)
    # Fell due / received in this month so far and the two before (collection rate).
    due_0: Mapped[int] = mapped_column(BigInteger)
    received_0: Mapped[int] = mapped_column(BigInteger)
    due_1: Mapped[int] = mapped_column(BigInteger)
    received_1: Mapped[int] = mapped_column(BigInteger)
    due_2: Mapped[int] = mapped_column(BigInteger)
    received_2: Mapped[int] = mapped_column(BigInteger)
    billed: Mapped[int] = mapped_column(BigInteger)  # orders of the last 90 days (DSO)

    __table_args__ = (
        Index("ix_receivable_balances_customer", "as_of", "currency", "customer_id"),
        Index("ix_receivable_balances_owner", "as_of", "owner_id"),
        Index("ix_receivable_balances_team", "as_of", "team_id"),
    )


AGING_COLUMNS = ("outstanding", "current", "d0_30", "d31_60", "d61_90", "d90_plus")


class ReceivableCustomer(Base):
    """A customer's open receivables in one currency, all owners together, as of ``as_of``:
    the aging list of whoever sees every owner reads its top rows straight off an index.
    Only customers owing something have a row."""

    __tablename__ = "receivable_customers"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    outstanding: Mapped[int] = mapped_column(BigInteger)
    current: Mapped[int] = mapped_column(BigInteger)
    d0_30: Mapped[int] = mapped_column(BigInteger)
    d31_60: Mapped[int] = mapped_column(BigInteger)
    d61_90: Mapped[int] = mapped_column(BigInteger)
    d90_plus: Mapped[int] = mapped_column(BigInteger)


# In the order the report lists them (biggest first, then by customer): the top
# rows of one currency, or of all, are the first entries of an index.
Index(
    "ix_receivable_customers_top",
    ReceivableCustomer.as_of,
    ReceivableCustomer.currency,
    ReceivableCustomer.outstanding.desc(),
    ReceivableCustomer.customer_id,
)
Index(
    "ix_receivable_customers_all",
    ReceivableCustomer.as_of,
    ReceivableCustomer.outstanding.desc(),
    ReceivableCustomer.customer_id,
    ReceivableCustomer.currency,
)


class ReceivableTotal(Base):
    """Every figure of ``receivable_balances`` summed per owner, team and currency, as of
    ``as_of``: a few hundred rows from which per-currency totals and the per-owner and
    per-team aging answer in any scope."""

    __tablename__ = "receivable_totals"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    team_key: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # NO_TEAM for none
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    outstanding: Mapped[int] = mapped_column(BigInteger)
    current: Mapped[int] = mapped_column(BigInteger)
    d0_30: Mapped[int] = mapped_column(BigInteger)
    d31_60: Mapped[int] = mapped_column(BigInteger)
    d61_90: Mapped[int] = mapped_column(BigInteger)
    d90_plus: Mapped[int] = mapped_column(BigInteger)
    due_0: Mapped[int] = mapped_column(BigInteger)
    received_0: Mapped[int] = mapped_column(BigInteger)
    due_1: Mapped[int] = mapped_column(BigInteger)
    received_1: Mapped[int] = mapped_column(BigInteger)
    due_2: Mapped[int] = mapped_column(BigInteger)
    received_2: Mapped[int] = mapped_column(BigInteger)
    billed: Mapped[int] = mapped_column(BigInteger)


class ReceivablesChange(Base):
    """A customer changed while the job builds the next day's rows: it recomputes them."""

    __tablename__ = "receivables_changes"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    noted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentHabit(Base):
    """A customer's paid installments in one currency (for the forecast's shift).

    ``cash`` is what the customer adds to ``cash_weeks`` now, so a change
    replaces exactly that (empty while their history is too short to stand alone).
    The row is also the per-customer lock of the receivables figures.
    """

    __tablename__ = "payment_habits"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    paid: Mapped[int] = mapped_column(Integer, default=0)
    days_late: Mapped[int] = mapped_column(BigInteger, default=0)
    abs_days_late: Mapped[int] = mapped_column(BigInteger, default=0)
    cash: Mapped[list[list[Any]]] = mapped_column(JSONType, default=list)

    __table_args__ = (Index("ix_payment_habits_paid", "currency", "paid"),)


NO_TEAM = uuid.UUID(int=0)  # team_key of rows without a team (a unique key cannot hold NULL)


class CashWeek(Base):
    """Expected cash of established customers per owner, team, kind and week (Monday)."""

    __tablename__ = "cash_weeks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_key: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(10))  # expected | low | high | due
    week_on: Mapped[date] = mapped_column(Date)
    units: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("owner_id", "team_key", "currency", "kind", "week_on"),
        Index("ix_cash_weeks_currency", "currency", "week_on"),
    )


class BacktestResult(Base):
    """The forecast's backtest, computed by a job (it is about the past) and served as stored."""

    __tablename__ = "backtests"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    weeks: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
