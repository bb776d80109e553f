"""Tables of the service desk (and nobody else's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, query_expression

from crm_shared.db import UTCDateTime, new_id, new_metadata, utcnow


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata


class CustomerRef(Base):
    """This service's copy of who owns each customer, fed by customer events."""

    __tablename__ = "customer_refs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # customer.erased: the name stays gone whatever customer event arrives later.
    erased: Mapped[bool] = mapped_column(Boolean, default=False)


class Ticket(Base):
    """An after-sales request from a customer."""

    __tablename__ = "tickets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    type: Mapped[str] = mapped_column(String(20), default="question")
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    tier: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20), default="api")
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Who asked, by address (email channel): how portal searches meet tickets.
    requester_email: Mapped[str | None] = mapped_column(String(254), index=True)
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    rating_channel: Mapped[str | None] = mapped_column(String(20))
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SLA clocks folded up to the last status change or public message
    # (rules.sla_figures) with the key they hold for; reading them is arithmetic.
    sla_figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The SLA settings' revision, loaded with the row by queries that ask for it
    # (sla_revision.with_revision); None otherwise.
    sla_revision: Mapped[uuid.UUID | None] = query_expression()


class StatusChange(Base):
    """The ticket entered a status: the history SLA clocks are computed from."""

    __tablename__ = "ticket_status_changes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(String(500))


class Message(Base):
    """One entry of a ticket's thread: a public reply or an internal note."""

    __tablename__ = "ticket_messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    visibility: Mapped[str] = mapped_column(String(10))  # public | internal
    author_kind: Mapped[str] = mapped_column(String(10))  # agent | customer
    author_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The RFC 822 Message-ID of mail this entry came in as (or goes out as).
    email_message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follower(Base):
    """A user who follows a ticket (the customer's owner does)."""

    __tablename__ = "ticket_followers"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)


class Calendar(Base):
    """A business calendar, as its definition (see crm_shared.calendars.business_time)."""

    __tablename__ = "business_calendars"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Policy(Base):
    """SLA targets for tickets matching a priority, tier and customer (None: any)."""

    __tablename__ = "sla_policies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=100)
    priority: Mapped[str | None] = mapped_column(String(20))
    tier: Mapped[str | None] = mapped_column(String(40))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_response_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    warn_before_minutes: Mapped[int] = mapped_column(Integer, default=30)
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("business_calendars.id"))
    escalate_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SlaSettings(Base):
    """One row whose ``revision`` changes with every edit of policies, calendars and the
    groups' and customers' calendars (see sla_revision)."""

    __tablename__ = "sla_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[uuid.UUID] = mapped_column(Uuid)


class SlaNotice(Base):
    """A warning or breach already published for one clock of a ticket (once each)."""

    __tablename__ = "sla_notices"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    clock: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))  # warning | breached
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Survey(Base):
    """A satisfaction survey sent on resolution: one answer, within its window."""

    __tablename__ = "surveys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Secret(Base):
    """Keys this service signs links with, made once and shared by its processes."""

    __tablename__ = "desk_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class SupportGroup(Base):
    """A team of agents (by product or region) with its routing strategy and cap."""

    __tablename__ = "support_groups"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    strategy: Mapped[str] = mapped_column(String(20), default="round_robin")
    cap_per_agent: Mapped[int | None] = mapped_column(Integer)
    lead_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    calendar_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("business_calendars.id"))


class GroupAgent(Base):
    """An agent's membership of a group: skills and whether they take tickets now."""

    __tablename__ = "group_agents"

    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_groups.id"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoutingRuleRow(Base):
    """A routing rule: conditions on a ticket (None: any) and the group it goes to."""

    __tablename__ = "routing_rules"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    position: Mapped[int] = mapped_column(Integer, default=100)
    group_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_groups.id"))
    category: Mapped[str | None] = mapped_column(String(100))
    priority: Mapped[str | None] = mapped_column(String(20))
    tier: Mapped[str | None] = mapped_column(String(40))
    channel: Mapped[str | None] = mapped_column(String(20))
    product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)


class Assignment(Base):
    """Who a ticket was given to, when, by whom and why (routing or a person)."""

    __tablename__ = "ticket_assignments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reason: Mapped[str | None] = mapped_column(String(500))
    by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContactRef(Base):
    """A customer's contact as the service desk knows it: how inbound mail finds its
    customer. Kept by agents (and learned from tickets opened for a contact)."""

    __tablename__ = "contact_refs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    name: Mapped[str | None] = mapped_column(String(200))


class ContactCopy(Base):
    """A customer's contact as the customers service last told it (``contact.created``
    / ``contact.updated``): the state with the newest ``as_of`` wins; an erased one
    stays erased. Inbound mail and support forms find their customer by its email."""

    __tablename__ = "contact_copies"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # the contact's id
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)  # lower-case
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    erased: Mapped[bool] = mapped_column(Boolean, default=False)


class Article(Base):
    """A knowledge-base article (its current version; older ones in ArticleVersion)."""

    __tablename__ = "kb_articles"
    # Full-text search lives in objects each database builds its own way
    # (a generated tsvector and its GIN index on PostgreSQL, an FTS5 table on
    # SQLite), made by the migrations and not described here.
    __table_args__ = {"info": {"database_only": ("search_vector", "ix_kb_articles_search")}}

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="zh")
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    visibility: Mapped[str] = mapped_column(String(10), default="internal")
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Search tokens (rules.kb_text): PostgreSQL indexes them as a generated
    # tsvector with GIN, SQLite in an FTS5 table kept by triggers (migration).
    search_text: Mapped[str] = mapped_column(Text, default="")
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    not_helpful: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleVersion(Base):
    """An earlier (or the current) text of an article."""

    __tablename__ = "kb_article_versions"

    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kb_articles.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    edited_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TicketArticle(Base):
    """An article linked to a ticket (sent to the customer or used to solve it)."""

    __tablename__ = "ticket_articles"

    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    article_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kb_articles.id"), primary_key=True)
    linked_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PortalSearch(Base):
    """A self-service search, for the deflection figure."""

    __tablename__ = "kb_portal_searches"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    visitor: Mapped[str | None] = mapped_column(String(254), index=True)
    query: Mapped[str] = mapped_column(String(500))
    results: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OrderRef(Base):
    """This service's copy of which customer each order belongs to (order.created)."""

    __tablename__ = "order_refs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SupportForm(Base):
    """A public support form (per product or brand), addressed by its key."""

    __tablename__ = "support_forms"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    category: Mapped[str | None] = mapped_column(String(100))
    honeypot_field: Mapped[str] = mapped_column(String(40), default="website")
    per_client_per_minute: Mapped[int] = mapped_column(Integer, default=5)
    per_key_per_minute: Mapped[int] = mapped_column(Integer, default=120)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class FormRequest(Base):
    """A form submission from an address no customer is known by, for an agent to place."""

    __tablename__ = "form_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    form_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_forms.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
