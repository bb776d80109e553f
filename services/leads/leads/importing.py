"""Lead import: the leads half of the shared import-job mechanism.

:mod:`crm_shared.imports` decodes the file, finds the header, runs the job
in chunks and keeps the report; this module says which columns mean what
(our own export, a Salesforce Lead export, a HubSpot contacts export) and
turns a chunk of rows into leads through the same capture path as every
other channel, so imported leads are deduplicated like the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from crm_shared.imports import ImportRow, ImportSpec, JobInfo, RowOutcome

from .capture import Context, build_rows, capture_many
from .normalise import TEXT_FIELDS, clean_lead

FIELDS = frozenset({*TEXT_FIELDS, "company_size", "status"})

OWN_EXPORT = {name: name for name in sorted(FIELDS)}
SALESFORCE = {
    "FirstName": "first_name",
    "LastName": "last_name",
    "Name": "name",
    "Company": "company",
    "Email": "email",
    "Phone": "phone",
    "MobilePhone": "mobile",
    "LeadSource": "source",
    "Status": "status",
    "Industry": "industry",
    "City": "city",
    "State": "state",
    "Country": "country",
    "Title": "title",
    "NumberOfEmployees": "company_size",
    "Website": "website",
    "Description": "notes",
}
HUBSPOT = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Company Name": "company",
    "Phone Number": "phone",
    "Mobile Phone Number": "mobile",
    "Lifecycle Stage": "status",
    "Job Title": "title",
    "Industry": "industry",
    "City": "city",
    "State/Region": "state",
    "Country/Region": "country",
    "Number of Employees": "company_size",
    "Website URL": "website",
    "Original Source": "source",
}

SPEC = ImportSpec(
    kind="leads",
    fields=FIELDS,
    presets={"crm": OWN_EXPORT, "salesforce": SALESFORCE, "hubspot": HUBSPOT},
    required_any=("name", "first_name", "last_name", "email", "company"),
    purpose="lead-import",
)

# Statuses of other systems, in ours (keys compared without case, spaces, dashes).
STATUS_MAP = {
    "new": "new",
    "contacted": "contacted",
    "nurturing": "nurturing",
    "qualified": "qualified",
    "disqualified": "disqualified",
    # Salesforce's default lead statuses
    "opennotcontacted": "new",
    "workingcontacted": "contacted",
    "closedconverted": "qualified",
    "closednotconverted": "disqualified",
    # HubSpot lifecycle stages (internal names and labels)
    "subscriber": "new",
    "lead": "new",
    "other": "new",
    "marketingqualifiedlead": "nurturing",
    "salesqualifiedlead": "qualified",
    "opportunity": "qualified",
    "customer": "qualified",
    "evangelist": "qualified",
}


def map_status(value: str | None) -> str | None:
    """Our status for another system's, or None when unknown."""
    if value is None:
        return "new"
    key = "".join(ch for ch in value.casefold() if ch.isalnum())
    return STATUS_MAP.get(key)


class PreparedChunk(list[ImportRow]):
    """A chunk's rows with the pure part of their import done (see :meth:`LeadImporter.prepare`)."""

    def __init__(
        self,
        rows: Sequence[ImportRow],
        outcomes: dict[int, RowOutcome],
        good: list[ImportRow],
        lead_rows: list[dict[str, Any]],
        ctx: Context,
    ) -> None:
        super().__init__(rows)
        self.outcomes = outcomes  # failed rows, by line
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
        for row in rows:
            clean, problems = clean_lead(row.values, region=self.region)
            status = map_status(row.values.get("status"))
            if status is None:
                problems.append(
                    _problem("status", f"is not a known status: {row.values['status']!r}")
                )
            if problems:
                first = problems[0]
                reason = "; ".join(f"{p.field}: {p.message}" for p in problems)
                outcomes[row.line] = RowOutcome(row.line, "failed", reason, first.field)
                continue
            clean["status"] = status
            good.append(row)
            cleaned.append(clean)
        ctx = _context(job)
        return PreparedChunk(rows, outcomes, good, build_rows(cleaned, ctx), ctx)

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
                outcomes[row.line] = RowOutcome(
                    row.line,
                    "imported" if result.created else "duplicate",
                    None if result.created else "matches an existing lead by email or phone",
                    record_id=str(result.lead_id),
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


def _problem(field: str, message: str) -> Any:
    from .normalise import FieldProblem

    return FieldProblem(field, message)


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
