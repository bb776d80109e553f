"""Running a job: chunk by chunk, each chunk's rows and progress in one transaction."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from .. import files, metrics
from ..db import Database, utcnow
from ..tables import import_jobs
from .jobs import claim, fail_job
from .reading import chunks_of, csv_reader, open_text, records_of
from .spec import MAX_ERRORS, ImportProcessor, ImportRow, JobInfo

log = logging.getLogger(__name__)


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
    # Read a piece at a time: a million-row file is never in the worker whole.
    stored = files.open_stream(db, job["file_id"])
    if stored is None:
        fail_job(db, job_id, "the uploaded file is gone")
        return True
    reader = csv_reader(open_text(stored, job["encoding"]))
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
    records = records_of(reader)
    done = job["processed"]
    for _ in range(done):  # resume: skip what earlier chunks committed
        next(records, None)
    prepare = getattr(processor, "prepare", None)
    reading = _read_ahead(chunks_of(records, columns, chunk_size), info, prepare)
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
                        elif outcome.warning and len(errors) < MAX_ERRORS:
                            entry = {
                                "line": outcome.line,
                                "reason": outcome.warning,
                                "severity": "warning",
                            }
                            if outcome.warning_field:
                                entry["field"] = outcome.warning_field
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
                fail_job(db, job_id, f"processing stopped at row {done + 1}: {type(exc).__name__}")
                return True
            for outcome_name, count in counts.items():
                if count:
                    metrics.IMPORT_ROWS.labels(db.service, info.kind, outcome_name).inc(count)
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
        job_id = claim(db, processor.spec.kind, worker_id, lease)
        if job_id is None:
            break
        if process_job(db, processor, job_id, worker_id, chunk_size=chunk_size, lease=lease):
            finished += 1
    return finished
