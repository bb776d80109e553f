"""Routes of leads: capture, the list, one lead's record and history, export and import."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from marshmallow import ValidationError

from crm_shared import imports
from crm_shared.errors import ValidationFailed
from crm_shared.schemas import PageArgsSchema
from crm_shared.web import (
    Blueprint,
    body_limit,
    current_principal,
    db_session,
    idempotent,
    service_context,
)

from .. import (
    access,
    activities,
    assignment,
    capture_requests,
    duplicates,
    export,
    qualification,
    records,
    retention,
)
from ..campaigns import get_campaign
from ..importing import SPEC
from ..schemas.leads import (
    ActivityInSchema,
    ActivityPageSchema,
    ActivitySchema,
    AssignInSchema,
    BatchInSchema,
    BatchResultSchema,
    DisqualifyInSchema,
    ExportArgsSchema,
    ImportArgsSchema,
    LeadCapturedSchema,
    LeadInSchema,
    LeadListArgsSchema,
    LeadPageSchema,
    LeadSchema,
    LeadUpdateSchema,
    MergeInSchema,
    StatusInSchema,
)

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads")


def _extra() -> dict[str, Any]:
    return service_context().settings.extra


def _region() -> str:
    return _extra()["default_region"]


@blp.post("")
@idempotent
@blp.arguments(LeadInSchema())  # an instance: webargs would build one per request
@blp.response(201, LeadCapturedSchema)
@blp.alt_response(
    200, schema=LeadCapturedSchema, description="matched an existing lead: merged into it"
)
def create_lead(data: dict[str, Any]) -> Any:
    """Capture a lead (honours Idempotency-Key); a known email or phone merges into its lead."""
    lead, created = capture_requests.capture_one(db_session(), current_principal(), data, _region())
    return lead if created else (lead, 200)


@blp.post("/batch")
@body_limit("max_batch_bytes")
@idempotent
@blp.arguments(BatchInSchema())
@blp.response(200, BatchResultSchema)
def create_batch(data: dict[str, Any]) -> dict[str, Any]:
    """Capture up to 1,000 leads: a result per item; good items are kept when others fail."""
    schema = LeadInSchema()

    def load(raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ValidationError("must be an object", "(item)")
        return schema.load(raw)

    return capture_requests.capture_batch(
        db_session(),
        current_principal(),
        data["leads"],
        auto_assign=data["auto_assign"],
        region=_region(),
        load_item=load,
    )


@blp.get("")
@blp.arguments(LeadListArgsSchema(), location="query", as_kwargs=True)
@blp.response(200, LeadPageSchema)
def list_leads(**args: Any) -> dict[str, Any]:
    """Leads in the caller's scope; ``sort=-score`` is the work list in priority order."""
    items, cursor = records.list_leads(db_session(), current_principal(), args, _region())
    return {"items": items, "next_cursor": cursor}


@blp.get("/<uuid:lead_id>")
@blp.response(200, LeadSchema)
def get_lead(lead_id: uuid.UUID) -> Any:
    """One lead, with its score and the reasons for it."""
    return access.get_lead(db_session(), current_principal(), lead_id)


@blp.patch("/<uuid:lead_id>")
@blp.arguments(LeadUpdateSchema)
@blp.response(200, LeadSchema)
def update_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Correct a lead's facts."""
    return records.update_lead(db_session(), current_principal(), lead_id, data, _region())


@blp.post("/<uuid:lead_id>/status")
@blp.arguments(StatusInSchema)
@blp.response(200, LeadSchema)
def move_status(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Move a lead to ``contacted`` or ``nurturing``."""
    return records.move_status(
        db_session(), current_principal(), lead_id, data["status"], data.get("note")
    )


@blp.post("/<uuid:lead_id>/qualify")
@blp.response(200, LeadSchema)
def qualify_lead(lead_id: uuid.UUID) -> Any:
    """Qualify a lead; customers and opportunities take it from here."""
    return qualification.qualify_lead(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/disqualify")
@blp.arguments(DisqualifyInSchema)
@blp.response(200, LeadSchema)
def disqualify_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Disqualify a lead with a reason."""
    return qualification.disqualify_lead(db_session(), current_principal(), lead_id, data["reason"])


@blp.post("/<uuid:lead_id>/archive")
@blp.response(200, LeadSchema)
def archive_lead(lead_id: uuid.UUID) -> Any:
    """Archive a lead: out of the default list, not assigned until restored."""
    return retention.archive_lead(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/restore")
@blp.response(200, LeadSchema)
def restore_lead(lead_id: uuid.UUID) -> Any:
    """Bring an archived lead back."""
    return retention.restore_lead(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/erase")
@blp.response(200, LeadSchema)
def erase_lead(lead_id: uuid.UUID) -> Any:
    """Erase the person's data on request (admins); publishes ``lead.erased``."""
    return retention.erase_lead(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/assign")
@blp.arguments(AssignInSchema)
@blp.response(200, LeadSchema)
def assign_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Reassign a lead by hand (managers), with a reason."""
    return assignment.assign_manually(
        db_session(), current_principal(), lead_id, data["owner_id"], data["reason"]
    )


@blp.post("/<uuid:lead_id>/merge")
@blp.arguments(MergeInSchema)
@blp.response(200, LeadSchema)
def merge_lead(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Fold another lead into this one, keeping the history of both."""
    return duplicates.merge_leads(db_session(), current_principal(), lead_id, data["other_id"])


@blp.post("/<uuid:lead_id>/not-duplicate")
@blp.response(200, LeadSchema)
def not_duplicate(lead_id: uuid.UUID) -> Any:
    """Clear a likely-duplicate flag after review."""
    return duplicates.dismiss_duplicate(db_session(), current_principal(), lead_id)


@blp.post("/<uuid:lead_id>/activities")
@blp.arguments(ActivityInSchema)
@blp.response(201, ActivitySchema)
def add_activity(data: dict[str, Any], lead_id: uuid.UUID) -> Any:
    """Record a follow-up (call, email, meeting, note) or behaviour (open, visit, submit)."""
    return activities.add_activity(db_session(), current_principal(), lead_id, data)


@blp.get("/<uuid:lead_id>/activities")
@blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@blp.response(200, ActivityPageSchema)
def list_activities(lead_id: uuid.UUID, **args: Any) -> dict[str, Any]:
    """A lead's history, newest first."""
    items, cursor = activities.list_activities(db_session(), current_principal(), lead_id, args)
    return {"items": items, "next_cursor": cursor}


@blp.get("/export")
@blp.arguments(ExportArgsSchema, location="query", as_kwargs=True)
@blp.doc(
    responses={
        "200": {
            "description": "the leads as CSV (UTF-8 with BOM); re-importable as is",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
)
def export_leads(**args: Any) -> Response:
    """Export the caller's leads in our own CSV format (streamed)."""
    principal = current_principal()
    db = service_context().db

    def rows() -> Iterator[str]:
        with db.reading() as session:
            yield from export.export_csv(session, principal, args)

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="leads.csv"'},
    )


# ---------------------------------------------------------------- imports


def _import_options(form: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if "assign" in form:
        if form["assign"] not in ("true", "false"):
            raise ValidationFailed.field("assign", "must be true or false")
        options["assign"] = form["assign"] == "true"
    if form.get("campaign_id"):
        try:
            campaign_id = uuid.UUID(form["campaign_id"])
        except ValueError as exc:
            raise ValidationFailed.field("campaign_id", "is not a UUID") from exc
        get_campaign(db_session(), campaign_id)
        options["campaign_id"] = str(campaign_id)
    if form.get("source"):
        options["source"] = form["source"][:100]
    return options


imports.add_upload_routes(
    blp,
    imports.UploadRoutes(
        spec=SPEC,
        args_schema=ImportArgsSchema,
        field_label="lead field",
        create_doc=(
            "Upload a CSV (ours, Salesforce, HubSpot, or a custom mapping) as an import job."
        ),
        get_doc="An import's progress and per-row errors (line number and reason).",
        options={
            "assign": {"type": "string", "enum": ["true", "false"]},
            "campaign_id": {"type": "string", "format": "uuid"},
            "source": {"type": "string", "maxLength": 100},
        },
        parse_options=_import_options,
    ),
)
