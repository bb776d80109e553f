"""Tables every service has beside its own: outbox, inbox and idempotency keys.

They live in their own MetaData so a service's Alembic environment targets
``[service_metadata, platform_metadata]`` and creates them in its own
database, next to its own tables, in its first migration.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Uuid,
)

from .db import JSONType, UTCDateTime, new_metadata

platform_metadata = new_metadata()

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
_Seq = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    platform_metadata,
    Column("seq", _Seq, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("envelope", JSONType, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
)
# The relay only ever looks for unpublished rows: keep that index tiny.
Index(
    "ix_outbox_pending",
    outbox.c.seq,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)

inbox = Table(
    "inbox",
    platform_metadata,
    Column("event_id", String(100), primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("source", String(100), nullable=False),
    Column("processed_at", UTCDateTime, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    platform_metadata,
    Column("principal", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("headers", JSONType, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
)

# Files a service keeps (uploads to import, visit photos). In the database,
# so every process of the service, on any host, can read what another wrote.
stored_files = Table(
    "stored_files",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("purpose", String(50), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_by", Uuid, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)
