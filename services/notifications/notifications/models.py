"""Tables of the notifications service (and nobody else's)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from crm_shared.db import JSONType, UTCDateTime, new_id, new_metadata, utcnow


class Base(DeclarativeBase):
    """Declarative base over this service's own MetaData."""

    metadata = new_metadata()


metadata = Base.metadata


class Route(Base):
    """Who is told about one event type: an ordered list of recipient rules (rules.routing)."""

    __tablename__ = "routes"

    event_type: Mapped[str] = mapped_column(String(80), primary_key=True)
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ReceivedEvent(Base):
    """An event as it arrived: what messages are rendered from, and previews run against."""

    __tablename__ = "received_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_received_events_type_time", "type", "time"),)


class ErasedSubject(Base):
    """A tombstone: a customer, contact or lead whose personal data was erased
    (``customer.erased`` / ``lead.erased``). A late or redelivered event about it
    is stored without its personal data, so erasure stays erased."""

    __tablename__ = "erased_subjects"

    subject_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # customer | contact | lead
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """One entry of a user's in-app list (the bell); a flood folds into one entry (``count``)."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    count: Mapped[int] = mapped_column(Integer, default=1)
    # 1 unread, 0 read: a number, so the list's keyset pages can order on it.
    unread: Mapped[int] = mapped_column(SmallInteger, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The list: one user's rows, unread first, newest first (keyset pages).
        Index("ix_notifications_user_list", "user_id", "unread", "created_at", "id"),
        # Folding a flood: the user's newest unread entry of an event type.
        Index("ix_notifications_user_type", "user_id", "event_type", "created_at"),
    )


class StreamEntry(Base):
    """A change to a user's list, numbered: the live stream's ids (``Last-Event-ID``)."""

    __tablename__ = "stream_entries"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    notification_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_stream_entries_user_seq", "user_id", "seq"),)


class Contact(Base):
    """Where a user is reached, from the gateway's ``user.*`` events (email, display name)."""

    __tablename__ = "contacts"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Preference(Base):
    """A user's own choices: language, time zone, quiet hours, digest, channels per event type."""

    __tablename__ = "preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    language: Mapped[str | None] = mapped_column(String(10))
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    digest_hour: Mapped[int] = mapped_column(Integer, default=9)
    # {event_type: {channel: bool}}; what is not named takes the defaults.
    channels: Mapped[dict[str, dict[str, bool]]] = mapped_column(JSONType, default=dict)
    # {channel: address}: an email other than the account's, a chat robot's URL...
    addresses: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Template(Base):
    """How one event type reads in one language; the last render error is kept for admins."""

    __tablename__ = "templates"

    event_type: Mapped[str] = mapped_column(String(80), primary_key=True)
    language: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One event for one recipient on one channel: at most once, by its unique key.

    ``status``: ``pending`` (waits for ``due_at``: the batching window, quiet
    hours or the digest), ``queued`` (in ``message_id``), ``sent`` (in-app),
    ``skipped`` (no address).
    """

    __tablename__ = "deliveries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(80))
    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held: Mapped[str | None] = mapped_column(String(12))  # quiet_hours | digest
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "event_id", "recipient_id", "channel", name="uq_deliveries_event_recipient_channel"
        ),
        Index("ix_deliveries_status_due", "status", "due_at"),
        Index("ix_deliveries_message", "message_id"),
    )


class Message(Base):
    """What one recipient receives on one channel: one event, or a batch or digest of many."""

    __tablename__ = "messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    channel: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(2000))
    event_type: Mapped[str | None] = mapped_column(String(80))  # None: a mix of types
    language: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    items: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(10), default="single")  # single|batch|digest
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_messages_status_next", "status", "next_attempt_at"),
        Index("ix_messages_created", "created_at", "id"),
        Index("ix_messages_recipient", "recipient_id", "created_at"),
    )


class Attempt(Base):
    """One try to deliver a message: when, whether it went, and what the other side said."""

    __tablename__ = "attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    message_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    answer: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_attempts_message", "message_id", "number"),)


class ChannelState(Base):
    """A channel's health: failures in a row, and whether it is paused (admins resume it)."""

    __tablename__ = "channel_states"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    failures_in_row: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Webhook and automation tables live beside these, on the same metadata.
from . import models_hooks as _hooks  # noqa: E402,F401
