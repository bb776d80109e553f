"""What a service hands the import mechanism: its spec, its processor, and the row types."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

MAX_ERRORS = 1000  # per-row errors kept on a job; ``failed`` counts them all
STATUSES = ("pending", "running", "completed", "failed")


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
    """What became of a row: ``imported``, ``duplicate`` or ``failed`` (with why).

    ``warning`` is for a row imported with something the user should know
    (a value not understood and replaced); it is listed with the errors,
    marked ``warning: true``.
    """

    line: int
    result: str
    reason: str | None = None
    field: str | None = None
    record_id: str | None = None
    warning: str | None = None


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
