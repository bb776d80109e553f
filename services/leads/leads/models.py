"""Tables of the leads service (and nobody else's)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
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


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata

_ACTIVE = text("merged_into_id IS NULL")


class Lead(Base):
    """A prospect, from first touch until qualified or disqualified."""

    __tablename__ = "leads"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(40))
    # False when a phone or mobile could not be read and is kept as given.
    phone_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(150))
    industry: Mapped[str | None] = mapped_column(String(100))
    company_size: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(50))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    source_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    product_interest: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    utm: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignment_rule_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_touch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    touches: Mapped[int] = mapped_column(Integer, default=1)
    needs_processing: Mapped[bool] = mapped_column(Boolean, default=True)
    # The row is its own outbox entry: its lead.captured and first activity
    # are not derived yet (leads.capture_events; the relay does it in batches).
    capture_pending: Mapped[bool] = mapped_column(Boolean, server_default=false())
    auto_assign: Mapped[bool] = mapped_column(Boolean, default=False)
    duplicate_key: Mapped[str | None] = mapped_column(String(300), index=True)
    possible_duplicate_of: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_reason: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Archived: out of the default lists, not assigned or reopened until restored.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Erased on request: personal fields are gone for good.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # One live lead per email and per phone: concurrent captures of the
        # same person collide here and the loser merges into the winner.
        Index(
            "uq_leads_email_live",
            "email",
            unique=True,
            postgresql_where=text("email IS NOT NULL AND merged_into_id IS NULL"),
            sqlite_where=text("email IS NOT NULL AND merged_into_id IS NULL"),
        ),
        Index(
            "uq_leads_phone_live",
            "phone",
            unique=True,
            postgresql_where=text("phone IS NOT NULL AND merged_into_id IS NULL"),
            sqlite_where=text("phone IS NOT NULL AND merged_into_id IS NULL"),
        ),
        Index("ix_leads_score_id", "score", "id"),
        Index("ix_leads_mobile", "mobile"),
        Index(
            "ix_leads_pending",
            "created_at",
            postgresql_where=text("needs_processing"),
            sqlite_where=text("needs_processing"),
        ),
        Index(
            "ix_leads_capture_pending",
            "created_at",
            postgresql_where=text("capture_pending"),
            sqlite_where=text("capture_pending"),
        ),
    )


class LeadActivity(Base):
    """Something that happened to a lead: a touch, a follow-up, a status change, an event."""

    __tablename__ = "lead_activities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_step: Mapped[str | None] = mapped_column(String(500))
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (Index("ix_lead_activities_lead_time", "lead_id", "occurred_at"),)


class Campaign(Base):
    """A marketing campaign: where leads come from and what it cost."""

    __tablename__ = "campaigns"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(Text)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CampaignWin(Base):
    """A deal won from a campaign's lead (from ``deal.won``), once per opportunity."""

    __tablename__ = "campaign_wins"

    opportunity_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    won_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeadSource(Base):
    """A capture point with its own form key: a landing page, a partner feed."""

    __tablename__ = "lead_sources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(50))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str] = mapped_column(String(12))
    allowed_origins: Mapped[list[str]] = mapped_column(JSONType, default=list)
    honeypot_field: Mapped[str] = mapped_column(String(50), default="website_url")
    per_key_per_minute: Mapped[int] = mapped_column(Integer, default=120)
    per_client_per_minute: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ScoringRule(Base):
    """One scoring rule, as data (``attribute`` or ``behaviour``)."""

    __tablename__ = "scoring_rules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(50))
    operator: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    activity_kind: Mapped[str | None] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    half_life_days: Mapped[float | None] = mapped_column(Float)
    cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssignmentRule(Base):
    """Routes matching leads to its members with a strategy, in priority order."""

    __tablename__ = "assignment_rules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=100, index=True)
    strategy: Mapped[str] = mapped_column(String(20))
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    response_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[int] = mapped_column(Integer, default=-1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AssignmentRuleMember(Base):
    """A member in a rule's rotation, with how many leads the rule gave them."""

    __tablename__ = "assignment_rule_members"

    rule_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("assignment_rules.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    assigned_count: Mapped[int] = mapped_column(Integer, default=0)


class Member(Base):
    """A user leads may be assigned to: the gateway's facts plus leads' own settings."""

    __tablename__ = "members"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(String(150))
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    accepting: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    max_open_leads: Mapped[int | None] = mapped_column(Integer)
    conversion_rate: Mapped[float | None] = mapped_column(Float)
    response_minutes: Mapped[float | None] = mapped_column(Float)
    stats_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_event_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
