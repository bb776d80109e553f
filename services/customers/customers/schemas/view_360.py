"""The 360° view of a customer, with the copies other services' events keep."""

from __future__ import annotations

from marshmallow import fields

from crm_shared.schemas import StrictSchema

from .contacts import ContactSchema
from .customers import CustomerSchema
from .fields import money
from .followups import FollowUpSchema
from .ownership import OwnershipChangeSchema
from .tasks import TaskSchema
from .visits import VisitSchema


class _Money(StrictSchema):
    currency = fields.String()
    amount = fields.String()


class OpportunityCopySchema(StrictSchema):
    """An opportunity as this service knows it from events."""

    id = fields.UUID()
    name = fields.String(allow_none=True)
    amount = money("currency", allow_none=True)
    currency = fields.String(allow_none=True)
    status = fields.String()
    owner_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(allow_none=True)
    won_at = fields.DateTime(allow_none=True)
    lost_at = fields.DateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)


class OrderCopySchema(StrictSchema):
    """An order."""

    id = fields.UUID()
    opportunity_id = fields.UUID(allow_none=True)
    amount = money("currency")
    currency = fields.String()
    owner_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()


class PaymentCopySchema(StrictSchema):
    """A payment."""

    id = fields.UUID()
    order_id = fields.UUID()
    amount = money("currency")
    currency = fields.String()
    received_at = fields.DateTime()


class TicketCopySchema(StrictSchema):
    """A ticket and its satisfaction score."""

    id = fields.UUID()
    subject = fields.String(allow_none=True)
    status = fields.String()
    satisfaction = fields.Integer(allow_none=True)
    opened_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class _Recent(StrictSchema):
    total = fields.Integer()


class _FollowUps(_Recent):
    recent = fields.List(fields.Nested(FollowUpSchema))


class _Visits(_Recent):
    recent = fields.List(fields.Nested(VisitSchema))


class _Opportunities(StrictSchema):
    open = fields.List(fields.Nested(OpportunityCopySchema))
    won = fields.List(fields.Nested(OpportunityCopySchema))
    lost = fields.List(fields.Nested(OpportunityCopySchema))
    open_total = fields.List(fields.Nested(_Money))
    won_total = fields.List(fields.Nested(_Money))


class _Orders(_Recent):
    recent = fields.List(fields.Nested(OrderCopySchema))
    amount_total = fields.List(fields.Nested(_Money))


class _Payments(_Recent):
    recent = fields.List(fields.Nested(PaymentCopySchema))
    amount_total = fields.List(fields.Nested(_Money))


class _Tickets(_Recent):
    open = fields.Integer()
    recent = fields.List(fields.Nested(TicketCopySchema))
    rated = fields.Integer()
    average_satisfaction = fields.Float(allow_none=True)


class _Credit(StrictSchema):
    risk = fields.String(metadata={"enum": ["low", "medium", "high"]})
    currency = fields.String()
    rated_at = fields.DateTime()
    installments_due = fields.Integer()
    paid_late = fields.Integer()
    share_paid_late = fields.String()
    average_days_late = fields.String()
    outstanding = fields.String()
    overdue = fields.String()


class Customer360Schema(StrictSchema):
    """Everything known about a customer, from this service's own event-fed copies."""

    profile = fields.Nested(CustomerSchema)
    contacts = fields.List(fields.Nested(ContactSchema))
    owner_history = fields.List(fields.Nested(OwnershipChangeSchema))
    followups = fields.Nested(_FollowUps)
    visits = fields.Nested(_Visits)
    open_tasks = fields.List(fields.Nested(TaskSchema))
    opportunities = fields.Nested(_Opportunities)
    orders = fields.Nested(_Orders)
    payments = fields.Nested(_Payments)
    tickets = fields.Nested(_Tickets)
    credit = fields.Nested(
        _Credit,
        allow_none=True,
        metadata={"description": "the newest credit rating from orders; empty when none"},
    )
    tier = fields.Dict()
