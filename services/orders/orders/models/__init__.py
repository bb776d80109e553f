"""Tables of the orders service (and nobody else's)."""

from .base import Base
from .catalog import Category, PriceList, PriceListItem, Product
from .documents import Contract, ContractCounter, ContractLine, Quote, QuoteLine
from .money import (
    Allocation,
    BuyerProfile,
    CreditRating,
    EscalationStep,
    Installment,
    Invoice,
    Payment,
    PlanRevision,
    ReminderSent,
)
from .orders import Delivery, DeliveryLine, Order, OrderLine

metadata = Base.metadata

__all__ = [
    "Allocation",
    "Base",
    "BuyerProfile",
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
    "PlanRevision",
    "PriceList",
    "PriceListItem",
    "Product",
    "Quote",
    "QuoteLine",
    "ReminderSent",
    "metadata",
]
