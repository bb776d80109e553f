"""Tables every service has beside its own: outbox, inbox, idempotency keys, directory.

They live in their own MetaData so a service's Alembic environment targets
``[service_metadata, platform_metadata]`` and creates them in its own
database, next to its own tables, in its first migration.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
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

# CSV imports as resumable jobs (see crm_shared.imports): progress and the
# per-row report live here, committed with each chunk's rows, so a crashed
# worker's successor resumes exactly where it stopped.
import_jobs = Table(
    "import_jobs",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("status", String(20), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("encoding", String(20), nullable=False),
    Column("file_id", Uuid, nullable=False),
    Column("mapping", JSONType, nullable=False),
    Column("options", JSONType, nullable=False),
    Column("total", Integer, nullable=False),
    Column("processed", Integer, nullable=False),
    Column("imported", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("errors", JSONType, nullable=False),
    Column("failure", String(500), nullable=True),
    Column("created_by", Uuid, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(100), nullable=True),
    Column("lease_until", UTCDateTime, nullable=True),
    Column("attempts", Integer, nullable=False),
    Index("ix_import_jobs_kind_status", "kind", "status"),
)

# Fixed-window counters shared by every process of a service (crm_shared.ratelimit).
rate_limit_counters = Table(
    "rate_limit_counters",
    platform_metadata,
    Column("key", String(200), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
)

# Settings an admin changes at run time (thresholds, switches, a learned
# model), one row per key, for every service alike (crm_shared.platform_settings).
platform_settings = Table(
    "platform_settings",
    platform_metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSONType, nullable=True),
    Column("updated_by", Uuid, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Every service's copy of the gateway's users and teams (crm_shared.directory),
# fed by user.* and team.* events. ``updated_at`` is the time of the event
# that wrote the row, so an older event arriving late never overwrites it.
directory_users = Table(
    "directory_users",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("username", String(100), nullable=False),
    # How imports and people name a user: "Li Lei", li.lei@example.com.
    Column("display_name", String(200), nullable=True),
    Column("email", String(320), nullable=True),
    Column("roles", JSONType, nullable=False),
    Column("team_id", Uuid, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("tokens_valid_after", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

directory_teams = Table(
    "directory_teams",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("manager_id", Uuid, nullable=True),
    Column("parent_id", Uuid, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
# Approval tables join the platform metadata (imported last: they build on it).
from .approvals import tables as _approval_tables  # noqa: E402, F401
