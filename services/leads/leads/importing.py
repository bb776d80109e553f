"""Lead import: the leads half of the shared import-job mechanism.

:mod:`crm_shared.imports` decodes the file, finds the header, runs the job
in chunks and keeps the report; :mod:`leads.rules.import_formats` says which
columns mean what (our own export, a Salesforce Lead export, a HubSpot
contacts export); this module turns a chunk of rows into leads through
the same capture path as every other channel, so imported leads are
deduplicated like the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.imports import ImportRow, ImportSpec, JobInfo, RowOutcome

from .capture import Context, build_rows, capture_many
from .rules.import_formats import FIELDS, HUBSPOT, OWN_EXPORT, SALESFORCE, map_status
from .rules.normalise import FieldProblem, clean_lead

SPEC = ImportSpec(
    kind="leads",
    fields=FIELDS,
    presets={"crm": OWN_EXPORT, "salesforce": SALESFORCE, "hubspot": HUBSPOT},
    required_any=("name", "first_name", "last_name", "email", "company"),
    purpose="lead-import",
)


class PreparedChunk(list[ImportRow]):
    """A chunk's rows with the pure part of their import done (see :meth:`LeadImporter.prepare`)."""

    def __init__(
        self,
        rows: Sequence[ImportRow],
        outcomes: dict[int, RowOutcome],
        good: list[ImportRow],
        lead_rows: list[dict[str, Any]],
        ctx: Context,
        warnings: dict[int, list[FieldProblem]] | None = None,
    ) -> None:
        super().__init__(rows)
        self.outcomes = outcomes  # failed rows, by line
        self.warnings = warnings or {}  # kept rows with a doubtful value, by line
        self.good = good
        self.lead_rows = lead_rows  # what capture writes for each good row
        self.ctx = ctx


class LeadImporter:
    """Implements :class:`crm_shared.imports.ImportProcessor` for leads."""

    spec = SPEC

    def __init__(self, region: str) -> None:
        self.region = region

    def prepare(self, job: JobInfo, rows: Sequence[ImportRow]) -> PreparedChunk:
        """Clean each row and build the lead rows of the good ones (no database)."""
        outcomes: dict[int, RowOutcome] = {}
        good: list[ImportRow] = []
        cleaned: list[dict[str, Any]] = []
        kept_warnings: dict[int, list[FieldProblem]] = {}
        for row in rows:
            # A phone that cannot be read does not cost the row: kept, unverified, warned.
            warnings: list[FieldProblem] = []
            clean, problems = clean_lead(row.values, region=self.region, warnings=warnings)
            status = map_status(row.values.get("status"))
            if status is None:
                problems.append(
                    FieldProblem("status", f"is not a known status: {row.values['status']!r}")
                )
            if problems:
                first = problems[0]
                reason = "; ".join(f"{p.field}: {p.message}" for p in problems)
                outcomes[row.line] = RowOutcome(row.line, "failed", reason, first.field)
                continue
            clean["status"] = status
            if warnings:
                kept_warnings[row.line] = warnings
            good.append(row)
            cleaned.append(clean)
        ctx = _context(job)
        return PreparedChunk(rows, outcomes, good, build_rows(cleaned, ctx), ctx, kept_warnings)

    def process(
        self, session: Session, job: JobInfo, rows: Sequence[ImportRow]
    ) -> list[RowOutcome]:
        """Capture the chunk's good rows in one go (dedup included); an outcome per row."""
        chunk = rows if isinstance(rows, PreparedChunk) else self.prepare(job, rows)
        outcomes = dict(chunk.outcomes)
        if chunk.good:
            results = capture_many(
                session, [row.values for row in chunk.good], chunk.ctx, rows=chunk.lead_rows
            )
            for row, result in zip(chunk.good, results, strict=True):
                warnings = chunk.warnings.get(row.line) or []
                outcomes[row.line] = RowOutcome(
                    row.line,
                    "imported" if result.created else "duplicate",
                    None if result.created else "matches an existing lead by email or phone",
                    record_id=str(result.lead_id),
                    warning="; ".join(
                        f"{w.field}: {w.message}; kept as given, unverified" for w in warnings
                    )
                    or None,
                    warning_field=warnings[0].field if warnings else None,
                )
        return [outcomes[row.line] for row in chunk]


def _context(job: JobInfo) -> Context:
    options = job.options or {}
    assign = bool(options.get("assign", True))
    return Context(
        channel="import",
        actor_id=job.created_by,
        owner_id=None if assign else job.created_by,
        team_id=None if assign else _uuid(options.get("team_id")),
        auto_assign=assign,
        source=options.get("source") or options.get("preset") or "import",
        campaign_id=_uuid(options.get("campaign_id")),
        extra={"import_id": str(job.id)},
    )


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
