"""Approval tables, on the platform metadata: every service using approvals has its own.

Like the outbox, these live in each service's database (created by the
platform migration stream), so a service's approvals commit in the same
transaction as the document they decide.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, Uuid

from ..db import JSONType, UTCDateTime
from ..tables import platform_metadata

# One flow per document kind ("contract", "invoice"), as data (rules.Flow.to_dict).
approval_flows = Table(
    "approval_flows",
    platform_metadata,
    Column("kind", String(50), primary_key=True),
    Column("definition", JSONType, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_by", Uuid, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# One row per submission round of a document; its state is rules.RequestState.
approval_requests = Table(
    "approval_requests",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("document_id", Uuid, nullable=False),
    Column("title", String(300), nullable=False),
    Column("round", Integer, nullable=False),
    Column("flow_version", Integer, nullable=True),
    Column("facts", JSONType, nullable=False),
    Column("state", JSONType, nullable=False),
    Column("status", String(20), nullable=False),
    Column("submitter_id", Uuid, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_approval_requests_document", "kind", "document_id", "round"),
)
# At most one pending request per document, whatever races.
Index(
    "uq_approval_requests_pending",
    approval_requests.c.kind,
    approval_requests.c.document_id,
    unique=True,
    postgresql_where=approval_requests.c.status == "pending",
    sqlite_where=approval_requests.c.status == "pending",
)

# Who may decide what now: one open row per current approver (the inbox reads these).
approval_tasks = Table(
    "approval_tasks",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False, index=True),
    Column("approver_id", Uuid, nullable=False),
    Column("step_index", Integer, nullable=False),
    Column("step_name", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # open | done | cancelled
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime, nullable=True),
)
Index(
    "ix_approval_tasks_open",
    approval_tasks.c.approver_id,
    approval_tasks.c.submitted_at,
    approval_tasks.c.id,
    postgresql_where=approval_tasks.c.status == "open",
    sqlite_where=approval_tasks.c.status == "open",
)

# Every action on a request, with who and when: the history nobody may edit.
approval_decisions = Table(
    "approval_decisions",
    platform_metadata,
    Column("id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False, index=True),
    Column("action", String(20), nullable=False),  # submitted|approved|rejected|withdrawn
    Column("actor_id", Uuid, nullable=False),
    Column("step_index", Integer, nullable=True),
    Column("step_name", String(100), nullable=True),
    Column("comment", Text, nullable=True),
    Column("at", UTCDateTime, nullable=False),
)
