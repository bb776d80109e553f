"""CSV imports as resumable jobs, for any service that takes records in bulk.

The mechanism does everything but the business: the service supplies an
:class:`ImportSpec` (the fields a column may map to, header presets such as
a Salesforce or HubSpot export) and an :class:`ImportProcessor` that maps,
validates, deduplicates and inserts a chunk of rows. This module

- decodes the upload (UTF-8 with or without BOM, UTF-16 with BOM, GB18030)
  and refuses undecodable input with the reason *before* any job exists;
- finds the header and its column mapping from the presets, or takes a
  custom mapping, and refuses a file with no recognisable header;
- keeps the upload with :func:`crm_shared.files.save` in the same
  transaction as the job row (platform table ``import_jobs``);
- processes the job in a worker, chunk by chunk: each chunk's rows *and* the
  job's progress commit in one transaction, so a worker that crashes
  mid-way leaves the job at the last committed chunk and its successor
  resumes there without duplicating a row;
- holds a lease on a running job, so a crashed worker's job is taken over
  once the lease expires;
- reports ``total``, ``processed``, ``imported``, ``duplicates``,
  ``failed`` and per-row errors with line number and reason (the first
  :data:`MAX_ERRORS` of them; ``failed`` always has the full count).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import logging
import queue
import re
import threading
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from marshmallow import fields as ma_fields
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from . import files
from .auth import Principal
from .db import Database, utcnow
from .errors import NotFound, ValidationFailed
from .schemas import StrictSchema
from .tables import import_jobs

log = logging.getLogger(__name__)

MAX_ERRORS = 1000  # per-row errors kept on a job; ``failed`` counts them all
STATUSES = ("pending", "running", "completed", "failed")
_csv_limit_set = False


class ImportCrash(BaseException):
    """Raised by tests (and only tests) to play a worker dying mid-chunk."""


@dataclass(frozen=True)
class ImportSpec:
    """What a service imports: target fields, header presets, what must be present.

    ``presets`` maps a preset name to ``{column header: field}``; headers are
    matched case-insensitively, ignoring spaces, dashes and underscores.
    ``required_any``: at least one of these fields must be mapped.
    """

    kind: str
    fields: frozenset[str]
    presets: Mapping[str, Mapping[str, str]]
    required_any: tuple[str, ...] = ()
    purpose: str = "import"


@dataclass(frozen=True)
class ImportRow:
    """One record of the file: its first line number and its values by field."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class RowOutcome:
    """What became of a row: ``imported``, ``duplicate`` or ``failed`` (with why)."""

    line: int
    result: str
    reason: str | None = None
    field: str | None = None
    record_id: str | None = None


@dataclass(frozen=True)
class JobInfo:
    """The job a chunk belongs to, as a processor sees it."""

    id: uuid.UUID
    kind: str
    options: dict[str, Any]
    created_by: uuid.UUID | None
    filename: str


class ImportProcessor(Protocol):
    """The service's half of an import: a chunk of rows in, one outcome per row out.

    ``process`` runs inside the chunk's transaction: whatever it writes with
    ``session`` commits together with the job's progress, or not at all.

    A processor may also have ``prepare(job, rows) -> Sequence[ImportRow]``:
    the chunk's pure work (parsing, cleaning, building records; no session),
    which :func:`process_job` runs on a reader thread one chunk ahead, so it
    overlaps the previous chunk's database work. What it returns (the rows,
    perhaps as a richer sequence) is what ``process`` then receives.
    """

    spec: ImportSpec

    def process(
        self, session: Session, job: JobInfo, rows: Sequence[ImportRow]
    ) -> list[RowOutcome]:
        """Validate, deduplicate and insert ``rows``; return an outcome per row."""
        ...


# ---------------------------------------------------------------- decoding


def decode(data: bytes, *, field_name: str = "file") -> tuple[str, str]:
    """The text of an upload and the encoding it was read in.

    UTF-8 (with or without BOM), UTF-16 with a BOM, then GB18030; anything
    else is refused naming ``field_name`` and the reason.
    """
    if not data:
        raise ValidationFailed.field(field_name, "is empty")
    attempts: list[tuple[str, bytes, str]]
    if data.startswith(codecs.BOM_UTF8):
        attempts = [("utf-8-sig", data[len(codecs.BOM_UTF8) :], "utf-8")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = [("utf-16", data, "utf-16")]
    else:
        attempts = [("utf-8", data, "utf-8"), ("gb18030", data, "gb18030")]
    for name, payload, codec in attempts:
        try:
            text = payload.decode(codec)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise ValidationFailed.field(
                field_name, "contains NUL bytes: it is not a CSV text file"
            )
        return text, name
    if len(attempts) == 1:
        raise ValidationFailed.field(
            field_name,
            f"starts with a {attempts[0][0]} byte-order mark but is not valid {attempts[0][0]}",
        )
    raise ValidationFailed.field(
        field_name, "is not text in UTF-8, UTF-16 (with a byte-order mark) or GB18030"
    )


def _decode_as(data: bytes, encoding: str) -> str:
    if encoding == "utf-8-sig":
        return data[len(codecs.BOM_UTF8) :].decode("utf-8")
    return data.decode(encoding)


# ---------------------------------------------------------------- headers


def normalise_header(name: str) -> str:
    """A header as matched against presets: lower case, no spaces, dashes or underscores."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def detect_mapping(
    header: Sequence[str], spec: ImportSpec, custom: Mapping[str, str] | None = None
) -> tuple[dict[str, str], str]:
    """``{column header: field}`` for ``header``, and the preset it came from.

    A custom mapping is checked (every column must exist, every field be
    known); otherwise the preset matching the most columns wins. Raises a
    field error when nothing usable is found.
    """
    present = {h for h in header if h.strip()}
    if custom:
        unknown_columns = [c for c in custom if c not in present]
        if unknown_columns:
            raise ValidationFailed.field(
                "mapping", f"columns not in the file: {', '.join(sorted(unknown_columns))}"
            )
        unknown_fields = sorted({f for f in custom.values() if f and f not in spec.fields})
        if unknown_fields:
            raise ValidationFailed.field("mapping", f"unknown fields: {', '.join(unknown_fields)}")
        mapping = {c: f for c, f in custom.items() if f}
        _check_required(mapping, spec, "mapping")
        return mapping, "custom"
    # The preset matching the most columns wins; on a tie, the one whose
    # spelling matches exactly (Salesforce's "FirstName" over our "first_name").
    best: tuple[tuple[int, int], str, dict[str, str]] = ((0, 0), "", {})
    for name, preset in spec.presets.items():
        wanted = {normalise_header(k): v for k, v in preset.items()}
        mapping: dict[str, str] = {}
        used: set[str] = set()
        for column in header:
            target = wanted.get(normalise_header(column))
            if target and target not in used and column not in mapping:
                mapping[column] = target
                used.add(target)
        exact = sum(1 for column in mapping if column.strip() in preset)
        if (len(mapping), exact) > best[0]:
            best = ((len(mapping), exact), name, mapping)
    if not best[0][0]:
        examples = sorted({k for p in spec.presets.values() for k in p})[:8]
        raise ValidationFailed.field(
            "file",
            "has no recognisable header row; expected columns such as "
            + ", ".join(examples)
            + " (or send a mapping)",
        )
    _check_required(best[2], spec, "file")
    return best[2], best[1]


def _check_required(mapping: Mapping[str, str], spec: ImportSpec, where: str) -> None:
    if spec.required_any and not set(mapping.values()) & set(spec.required_any):
        raise ValidationFailed.field(
            where, "maps no column to any of: " + ", ".join(spec.required_any)
        )


def _reader(text: str) -> Any:
    global _csv_limit_set
    if not _csv_limit_set:
        # One cell may be long (notes), but not unbounded.
        csv.field_size_limit(1024 * 1024)
        _csv_limit_set = True
    return csv.reader(io.StringIO(text, newline=""))


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each non-blank record after the header."""
    previous = reader.line_num
    for cells in reader:
        line = previous + 1
        previous = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        yield line, cells


# ---------------------------------------------------------------- jobs


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
    text, encoding = decode(data)
    reader = _reader(text)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise ValidationFailed.field("file", "has no header row")
        column_map, preset = detect_mapping(header, spec, mapping)
        total = sum(1 for _ in _records(reader))
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


def _claim(db: Database, kind: str, worker_id: str, lease: timedelta) -> uuid.UUID | None:
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


def _chunks(
    records: Iterator[tuple[int, list[str]]], columns: list[tuple[int, str]], size: int
) -> Iterator[list[ImportRow]]:
    chunk: list[ImportRow] = []
    for line, cells in records:
        values = {}
        for index, target in columns:
            if index < len(cells):
                value = cells[index].strip()
                if value:
                    values[target] = value
        chunk.append(ImportRow(line, values))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass(frozen=True)
class _Failed:
    """A chunk whose preparation raised: the error is raised where chunks are processed."""

    error: Exception


_DONE = object()


def _read_ahead(
    chunks: Iterator[list[ImportRow]],
    job: JobInfo,
    prepare: Callable[[JobInfo, list[ImportRow]], Sequence[ImportRow]] | None,
    depth: int = 2,
) -> Generator[Sequence[ImportRow] | _Failed, None, None]:
    """Chunks, read and prepared on a thread up to ``depth`` ahead of their processing.

    Parsing and cleaning are pure Python while a chunk's database work mostly
    waits on the server (the GIL is free), so the two overlap instead of
    adding up. Closing the generator stops the thread.
    """
    if prepare is None:
        yield from chunks
        return
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not put(prepare(job, chunk)):
                    return
        except Exception as exc:  # handed to the processing side, which fails the job
            put(_Failed(exc))
            return
        put(_DONE)

    reader = threading.Thread(target=read, name=f"import-{job.id}-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _DONE:
            yield item
            if isinstance(item, _Failed):
                return
    finally:
        stop.set()
        reader.join(timeout=5)


def process_job(
    db: Database,
    processor: ImportProcessor,
    job_id: uuid.UUID,
    worker_id: str,
    *,
    chunk_size: int = 1000,
    lease: timedelta = timedelta(seconds=120),
) -> bool:
    """Process a claimed job to the end; False when its lease was lost meanwhile."""
    with db.reading() as session:
        job = dict(
            session.execute(select(import_jobs).where(import_jobs.c.id == job_id)).one()._mapping
        )
        stored = files.load(session, job["file_id"])
    if stored is None:
        _fail(db, job_id, "the uploaded file is gone")
        return True
    text = _decode_as(stored.content, job["encoding"])
    reader = _reader(text)
    header = next(reader)
    mapping: dict[str, str] = job["mapping"]
    columns = [(i, mapping[name]) for i, name in enumerate(header) if mapping.get(name)]
    info = JobInfo(
        id=job_id,
        kind=job["kind"],
        options=job["options"] or {},
        created_by=job["created_by"],
        filename=job["filename"],
    )
    records = _records(reader)
    done = job["processed"]
    for _ in range(done):  # resume: skip what earlier chunks committed
        next(records, None)
    prepare = getattr(processor, "prepare", None)
    reading = _read_ahead(_chunks(records, columns, chunk_size), info, prepare)
    with contextlib.closing(reading) as chunks:  # stops the reader on every way out
        for chunk in chunks:
            try:
                if isinstance(chunk, _Failed):
                    raise chunk.error
                with db.transaction() as session:
                    current = session.execute(
                        select(
                            import_jobs.c.lease_owner,
                            import_jobs.c.processed,
                            import_jobs.c.errors,
                            import_jobs.c.status,
                        )
                        .where(import_jobs.c.id == job_id)
                        .with_for_update()
                    ).one()
                    if current.lease_owner != worker_id or current.processed != done:
                        log.warning("import %s was taken over; stopping", job_id)
                        return False
                    outcomes = processor.process(session, info, chunk)
                    counts = {"imported": 0, "duplicate": 0, "failed": 0}
                    errors = list(current.errors or [])
                    for outcome in outcomes:
                        counts[outcome.result] = counts.get(outcome.result, 0) + 1
                        if outcome.result == "failed" and len(errors) < MAX_ERRORS:
                            entry: dict[str, Any] = {"line": outcome.line, "reason": outcome.reason}
                            if outcome.field:
                                entry["field"] = outcome.field
                            errors.append(entry)
                    now = utcnow()
                    session.execute(
                        update(import_jobs)
                        .where(import_jobs.c.id == job_id)
                        .values(
                            processed=import_jobs.c.processed + len(chunk),
                            imported=import_jobs.c.imported + counts["imported"],
                            duplicates=import_jobs.c.duplicates + counts["duplicate"],
                            failed=import_jobs.c.failed + counts["failed"],
                            errors=errors,
                            lease_until=now + lease,
                            updated_at=now,
                        )
                    )
            except DBAPIError:
                raise  # the database is unwell: leave the job for a later run
            except Exception as exc:
                log.exception("import %s failed on a chunk", job_id)
                _fail(db, job_id, f"processing stopped at row {done + 1}: {type(exc).__name__}")
                return True
            done += len(chunk)
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(import_jobs)
            .where(import_jobs.c.id == job_id, import_jobs.c.lease_owner == worker_id)
            .values(
                status="completed",
                finished_at=now,
                updated_at=now,
                lease_owner=None,
                lease_until=None,
            )
        )
    return True


def _fail(db: Database, job_id: uuid.UUID, why: str) -> None:
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


def run_pending(
    db: Database,
    processor: ImportProcessor,
    *,
    worker_id: str | None = None,
    chunk_size: int = 1000,
    lease: timedelta = timedelta(seconds=120),
    max_jobs: int = 10,
) -> int:
    """Claim and process waiting (or abandoned) jobs of the processor's kind; return how many."""
    worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
    finished = 0
    for _ in range(max_jobs):
        job_id = _claim(db, processor.spec.kind, worker_id, lease)
        if job_id is None:
            break
        if process_job(db, processor, job_id, worker_id, chunk_size=chunk_size, lease=lease):
            finished += 1
    return finished


# ---------------------------------------------------------------- HTTP side


def upload_mapping(form: Mapping[str, str], *, options: Iterable[str]) -> dict[str, str] | None:
    """The custom column mapping of an upload form, if any; refuses fields not in ``options``.

    The form may hold ``mapping`` (JSON ``{"column": "field"}``) and the
    service's own ``options``; each problem is a field error.
    """
    unknown = sorted(str(name) for name in set(form) - {"mapping", *options})
    if unknown:
        raise ValidationFailed(
            "unknown fields: " + ", ".join(unknown),
            errors=[{"field": name, "message": "Unknown field."} for name in unknown],
        )
    if not form.get("mapping"):
        return None
    try:
        mapping = json.loads(form["mapping"])
    except ValueError as exc:
        raise ValidationFailed.field("mapping", "is not JSON") from exc
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValidationFailed.field("mapping", 'must be {"column": "field"}')
    return mapping


def read_upload(field_name: str = "file") -> tuple[str, bytes, dict[str, str]]:
    """The uploaded file of the current request: (filename, bytes, other form fields).

    Takes ``multipart/form-data`` with the file in ``field_name``, or a raw
    ``text/csv`` body (filename from ``?filename=``). The body limit is
    enforced by Werkzeug while reading, so an oversized upload is refused
    (413) before it is read whole.
    """
    from flask import request

    content_type = (request.mimetype or "").lower()
    if content_type == "multipart/form-data":
        upload = request.files.get(field_name)
        if upload is None:
            raise ValidationFailed.field(field_name, "is required (a CSV file)")
        return upload.filename or "import.csv", upload.read(), dict(request.form)
    if content_type in ("text/csv", "application/csv", "text/plain", "application/octet-stream"):
        return request.args.get("filename", "import.csv"), request.get_data(cache=False), {}
    raise ValidationFailed.field(
        field_name, "send the CSV as multipart/form-data or with Content-Type text/csv"
    )


class ImportErrorSchema(StrictSchema):
    """One refused row."""

    line = ma_fields.Integer(required=True)
    field = ma_fields.String()
    reason = ma_fields.String(required=True)


class ImportJobSchema(StrictSchema):
    """An import job: where it stands and what went wrong."""

    id = ma_fields.UUID(required=True)
    kind = ma_fields.String(required=True)
    status = ma_fields.String(required=True, metadata={"enum": list(STATUSES)})
    filename = ma_fields.String(required=True)
    encoding = ma_fields.String(required=True)
    mapping = ma_fields.Dict(keys=ma_fields.String(), values=ma_fields.String(), required=True)
    preset = ma_fields.Function(lambda job: (job.get("options") or {}).get("preset"))
    total = ma_fields.Integer(required=True)
    processed = ma_fields.Integer(required=True)
    imported = ma_fields.Integer(required=True)
    duplicates = ma_fields.Integer(required=True)
    failed = ma_fields.Integer(required=True)
    errors = ma_fields.List(ma_fields.Nested(ImportErrorSchema), required=True)
    errors_truncated = ma_fields.Function(
        lambda job: job["failed"] > len(job.get("errors") or []),
        metadata={"type": "boolean"},
    )
    failure = ma_fields.String(allow_none=True)
    created_at = ma_fields.DateTime(required=True)
    started_at = ma_fields.DateTime(allow_none=True)
    finished_at = ma_fields.DateTime(allow_none=True)
