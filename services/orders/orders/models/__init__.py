"""Tables of the orders service (and nobody else's)."""

from .base import Base
from .catalog import Category, PriceList, PriceListItem, Product
from .documents import Contract, ContractCounter, ContractLine, Quote, QuoteLine
from .money import (
    Allocation,
    BacktestResult,
    BuyerProfile,
    CashWeek,
    CreditRating,
    EscalationStep,
    Installment,
    Invoice,
    Payment,
    PaymentHabit,
    PlanRevision,
    ReceivableBalance,
    ReceivableCustomer,
    ReceivablesChange,
    ReceivablesState,
    ReceivableTotal,
    ReminderSent,
)
from .orders import Delivery, DeliveryLine, Order, OrderLine

metadata = Base.metadata

__all__ = [
    "Allocation",
    "BacktestResult",
    "Base",
    "BuyerProfile",
    "CashWeek",
    "Category",
    "Contract",
    "ContractCounter",
    "ContractLine",
    "CreditRating",
    "Delivery",
    "DeliveryLine",
    "EscalationStep",
    "Installment",
    "Invoice",
    "Order",
    "OrderLine",
    "Payment",
    "PaymentHabit",
    "PlanRevision",
    "PriceList",
    "PriceListItem",
    "Product",
    "Quote",
    "QuoteLine",
    "ReceivableBalance",
    "ReceivableCustomer",
    "ReceivableTotal",
    "ReceivablesChange",
    "ReceivablesState",
    "ReminderSent",
    "metadata",
]
