"""Tables of the customers service (and nobody else's).

Besides its own records (customers, contacts, the pools, follow-ups, visits,
tasks), the service keeps copies fed by other services' events: users and
teams from the gateway, opportunities, orders, payments and tickets. The
tiers, the recycling rules and the 360° view read only these tables.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import JSONType, Money, UTCDateTime, new_id, new_metadata, utcnow

# The pool every customer starts in unless put elsewhere; created by the
# migration so that it exists in every database from the start.
DEFAULT_POOL_ID = uuid.UUID("5f0c7a52-3d1e-5b0e-9c1a-0d6f2c1b7e01")


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata


class Pool(Base):
    """A public pool (公海): who may see and claim its customers, and its rules."""

    __tablename__ = "pools"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Open pools are visible to every rep and manager; closed ones to members only.
    open_to_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hidden_fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PoolMember(Base):
    """A user or a whole team that belongs to a pool; users may be its admins."""

    __tablename__ = "pool_members"

    pool_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "user" or "team"
    member_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="member")  # "member" or "admin"

    __table_args__ = (Index("ix_pool_members_member", "member_id"),)


class Customer(Base):
    """An account: a company or a person the sales team works with.

    A customer without an owner is in its pool, where the pool's members may
    claim it. ``version`` grows with every change that recycling depends on,
    so a recycle decided on stale facts updates nothing.
    """

    __tablename__ = "customers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="company")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    # False when the phone could not be read as a number and is kept as given.
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    company: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(20))
    address_line: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    score: Mapped[int | None] = mapped_column(Integer)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    pool_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("pools.id"), index=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    previous_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Facts from other services' events, kept here for recycling, tiers and sorting.
    last_opportunity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_won_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_opportunities: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    won_deals: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    value: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    tier: Mapped[str] = mapped_column(String(20), default="potential", server_default="potential")
    tier_explanation: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    tier_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recycle_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recycle_rule: Mapped[str | None] = mapped_column(String(30))
    recycle_warned_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Archived: out of the default lists, not claimed, assigned or recycled until restored.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Erased on request: personal fields are gone for good.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_customers_pool_owner", "pool_id", "owner_id"),
        Index("ix_customers_lat_lon", "latitude", "longitude"),
        # Duplicate checks and phone search look customers up by these.
        Index("ix_customers_email", "email"),
        Index("ix_customers_phone", "phone"),
        # A rep's own list, most recently worked first (``sort=last_activity``):
        # read in index order, so it costs the page and not the rep's whole book.
        Index(
            "ix_customers_owner_activity",
            "owner_id",
            text("coalesce(last_followup_at, created_at) DESC"),
            text("id DESC"),
        ),
    )

    @property
    def sort_last_activity(self) -> datetime:
        """When the customer was last worked (its last follow-up, else its creation)."""
        return self.last_followup_at or self.created_at

    @property
    def sort_score(self) -> int:
        """The score as lists sort by it (unknown last)."""
        return self.score if self.score is not None else -1

    @property
    def sort_value(self) -> float:
        """The value as lists sort by it."""
        return float(self.value or 0)


class Collaborator(Base):
    """A user who works a customer alongside its owner (sees it, logs follow-ups)."""

    __tablename__ = "collaborators"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    added_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contact(Base):
    """A person at a customer; exactly one may be the primary contact."""

    __tablename__ = "contacts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_contacts_customer", "customer_id", "created_at"),
        Index("ix_contacts_phone", "phone"),
        # At most one primary contact per customer, whatever races.
        Index(
            "uq_contacts_primary",
            "customer_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )


class OwnershipChange(Base):
    """Who owned a customer when, who changed it and why: the pool's audit trail."""

    __tablename__ = "ownership_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    # created, claimed, released, recycled, assigned, transferred, locked, unlocked, moved
    action: Mapped[str] = mapped_column(String(20))
    from_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    to_owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pool_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(Text)
    # The recycling rule behind a "recycled" change (no_followup, ...), for pool analysis.
    rule: Mapped[str | None] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_ownership_changes_customer_at", "customer_id", "at"),
        Index("ix_ownership_changes_pool_at", "pool_id", "at"),
        Index("ix_ownership_changes_actor_action_at", "actor_id", "action", "at"),
    )


class OwnershipLimit(Base):
    """How many customers a rep may own: for one user, each member of a team, or everyone."""

    __tablename__ = "ownership_limits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # "user:<id>", "team:<id>" or "default": one limit per subject.
    subject: Mapped[str] = mapped_column(String(50), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    max_owned: Mapped[int] = mapped_column(Integer)
    include_won: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Base):
    """The gateway's users as ``user.created`` / ``user.updated`` describe them."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowUp(Base):
    """A call, visit, email, meeting or note with a customer."""

    __tablename__ = "followups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(500))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    visit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_followups_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_followups_author_occurred", "author_id", "occurred_at"),
    )


class Visit(Base):
    """A field visit: check-in and check-out with where and when, and a photo."""

    __tablename__ = "visits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    rep_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20), default="checked_in")
    check_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    check_in_latitude: Mapped[float] = mapped_column(Float)
    check_in_longitude: Mapped[float] = mapped_column(Float)
    check_in_accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    far_from_address: Mapped[bool] = mapped_column(Boolean, default=False)
    check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_out_latitude: Mapped[float | None] = mapped_column(Float)
    check_out_longitude: Mapped[float | None] = mapped_column(Float)
    purpose: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    photo_file_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    photo_content_type: Mapped[str | None] = mapped_column(String(50))
    followup_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_visits_rep_check_in", "rep_id", "check_in_at"),
        Index("ix_visits_customer_check_in", "customer_id", "check_in_at"),
    )


class Task(Base):
    """A planned follow-up or a task on someone's calendar, with an optional reminder."""

    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="task")  # "task" or "followup"
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    followup_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # iCalendar SEQUENCE

    __table_args__ = (
        Index("ix_tasks_owner_due", "owner_id", "due_at"),
        Index("ix_tasks_remind", "remind_at", "reminded_at"),
    )


class CalendarFeed(Base):
    """A user's secret iCalendar feed address; only its hash is kept."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Setting(Base):
    """Service-wide settings an admin changes at run time (tier thresholds)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ErasedLead(Base):
    """A lead erased before its ``lead.qualified`` was handled (events may be retried out of order).

    The customer made later from that lead starts with the personal data already blanked.
    """

    __tablename__ = "erased_leads"

    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# ---- copies fed by other services' events (never read from their databases)


class OpportunityCopy(Base):
    """An opportunity as ``opportunity.created`` / ``deal.won`` / ``deal.lost`` tell it."""

    __tablename__ = "opportunity_copies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # open, won, lost
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    won_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lost_reason: Mapped[str | None] = mapped_column(Text)


class OrderCopy(Base):
    """An order as ``order.created`` tells it."""

    __tablename__ = "order_copies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    opportunity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PaymentCopy(Base):
    """A payment as ``payment.received`` tells it."""

    __tablename__ = "payment_copies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketCopy(Base):
    """A ticket as ``ticket.opened`` / ``ticket.closed`` tell it, with satisfaction."""

    __tablename__ = "ticket_copies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10))  # open, closed
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the satisfaction was given (``ticket.rated``); the newest rating counts.
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CreditRatingCopy(Base):
    """The customer's credit risk as orders last rated it (``customer.credit_rated``)."""

    __tablename__ = "credit_rating_copies"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    risk: Mapped[str] = mapped_column(String(10))
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)
