"""Import jobs as rows: created from a checked upload, read back, claimed under a lease."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from .. import files
from ..auth import Principal
from ..db import Database, utcnow
from ..errors import NotFound, ValidationFailed
from ..tables import import_jobs
from .reading import csv_reader, detect_encoding, detect_mapping, open_text, records_of
from .spec import ImportSpec


def create_job(
    session: Session,
    spec: ImportSpec,
    *,
    data: bytes,
    filename: str,
    created_by: uuid.UUID | None,
    mapping: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """Check an upload and create its job in the caller's transaction.

    Everything that can be known about the file before processing (its
    encoding, header, mapping, row count) is checked here, so a bad file is
    refused with the reason and no job exists.
    """
    encoding = detect_encoding(data)
    reader = csv_reader(open_text(data, encoding))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ValidationFailed.field("file", "has no header row")
        column_map, preset = detect_mapping(header, spec, mapping)
        total = sum(1 for _ in records_of(reader))
    except csv.Error as exc:
        raise ValidationFailed.field("file", f"is not valid CSV: {exc}") from exc
    if max_rows is not None and total > max_rows:
        raise ValidationFailed.field("file", f"has {total} rows; at most {max_rows} are accepted")
    now = utcnow()
    file_id = files.save(
        session,
        purpose=spec.purpose,
        filename=filename or "import.csv",
        content_type="text/csv",
        data=data,
        created_by=created_by,
    )
    job_id = uuid.uuid4()
    values = {
        "id": job_id,
        "kind": spec.kind,
        "status": "pending" if total else "completed",
        "filename": (filename or "import.csv")[:255],
        "encoding": encoding,
        "file_id": file_id,
        "mapping": column_map,
        "options": {**(options or {}), "preset": preset},
        "total": total,
        "processed": 0,
        "imported": 0,
        "duplicates": 0,
        "failed": 0,
        "errors": [],
        "failure": None,
        "created_by": created_by,
        "created_at": now,
        "started_at": None,
        "finished_at": None if total else now,
        "updated_at": now,
        "lease_owner": None,
        "lease_until": None,
        "attempts": 0,
    }
    session.execute(insert(import_jobs).values(**values))
    return values


def get_job(
    session: Session, kind: str, job_id: uuid.UUID, *, viewer: Principal | None = None
) -> dict[str, Any]:
    """A job of ``kind`` as a dict; NotFound otherwise.

    With ``viewer``, only its uploader or an admin sees it (anyone else gets
    the same NotFound as for a job that does not exist).
    """
    row = session.execute(
        select(import_jobs).where(import_jobs.c.id == job_id, import_jobs.c.kind == kind)
    ).first()
    if row is None or (viewer is not None and not viewer.is_admin and row.created_by != viewer.id):
        raise NotFound("no such import")
    return dict(row._mapping)


def in_progress(db: Database, kind: str) -> bool:
    """Whether a job of ``kind`` is being worked on right now (a live lease).

    Services use it to let a bulk import have the worker to itself: work a
    job would otherwise compete with (scoring each new row) can wait a few
    seconds and then catch up in larger, cheaper batches.
    """
    with db.reading() as session:
        found = session.scalar(
            select(import_jobs.c.id)
            .where(
                import_jobs.c.kind == kind,
                import_jobs.c.status == "running",
                import_jobs.c.lease_until > utcnow(),
            )
            .limit(1)
        )
    return found is not None


def claim(db: Database, kind: str, worker_id: str, lease: timedelta) -> uuid.UUID | None:
    """Lease the oldest waiting (or abandoned) job of ``kind`` to ``worker_id``; its id."""
    now = utcnow()
    with db.transaction() as session:
        statement = (
            select(import_jobs.c.id)
            .where(
                import_jobs.c.kind == kind,
                import_jobs.c.status.in_(("pending", "running")),
                or_(import_jobs.c.lease_until.is_(None), import_jobs.c.lease_until < now),
            )
            .order_by(import_jobs.c.created_at)
            .limit(1)
        )
        if db.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        job_id = session.scalar(statement)
        if job_id is None:
            return None
        session.execute(
            update(import_jobs)
            .where(import_jobs.c.id == job_id)
            .values(
                status="running",
                lease_owner=worker_id,
                lease_until=now + lease,
                attempts=import_jobs.c.attempts + 1,
                # A resumed job keeps its first start time.
                started_at=func.coalesce(import_jobs.c.started_at, now),
                updated_at=now,
            )
        )
    return job_id


def fail_job(db: Database, job_id: uuid.UUID, why: str) -> None:
    """Mark a job failed with the reason, releasing its lease."""
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(import_jobs)
            .where(import_jobs.c.id == job_id)
            .values(
                status="failed",
                failure=why[:500],
                finished_at=now,
                updated_at=now,
                lease_owner=None,
                lease_until=None,
            )
        )
