"""Opportunity CSV imports (a Salesforce export or our columns): parse, call, respond."""

from __future__ import annotations

import uuid
from typing import Any

from marshmallow import fields

from crm_shared import imports
from crm_shared.errors import ValidationFailed
from crm_shared.schemas import StrictSchema, currencies
from crm_shared.web import Blueprint, body_limit, current_principal, db_session, service_context

from ..importing import SPEC, options_for

blp = Blueprint(
    "imports", __name__, url_prefix="/api/v1/opportunities/imports", description="Imports"
)


class ImportArgsSchema(StrictSchema):
    """The file name when the CSV is the raw body."""

    filename = fields.String(load_default="import.csv")
    publish_won = fields.Boolean(
        load_default=None,
        metadata={"description": "imported won deals publish deal.won (default false)"},
    )


_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {"type": "string", "description": 'JSON {"column": "field"}'},
                        "currency": {"type": "string", "description": "when no currency column"},
                        "publish_won": {
                            "type": "boolean",
                            "description": "imported won deals publish deal.won, so orders "
                            "make orders of them (default false: they are history)",
                        },
                    },
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@blp.post("")
@body_limit("max_import_bytes")
@blp.arguments(ImportArgsSchema, location="query", as_kwargs=True)
@blp.doc(**_UPLOAD_DOC)
@blp.response(202, imports.ImportJobSchema)
def create_import(**args: Any) -> Any:
    """Upload a Salesforce Opportunity export (or our columns) as an import job."""
    principal = current_principal()
    filename, data, form = imports.read_upload("file")
    mapping = imports.upload_mapping(form, options=("currency", "publish_won"))
    if args.get("publish_won") is not None:  # a raw text/csv body has no form
        form = {**form, "publish_won": "true" if args["publish_won"] else "false"}
    if form.get("currency") and form["currency"].strip().upper() not in currencies():
        raise ValidationFailed.field("currency", "is not an ISO 4217 currency code")
    return imports.create_job(
        db_session(),
        SPEC,
        data=data,
        filename=filename,
        created_by=principal.id,
        mapping=mapping,
        options=options_for(principal, form),
        max_rows=service_context().settings.extra["max_import_rows"],
    )


@blp.get("/<uuid:import_id>")
@blp.response(200, imports.ImportJobSchema)
def get_import(import_id: uuid.UUID) -> Any:
    """An import's progress and per-row errors (line number and reason)."""
    return imports.get_job(db_session(), SPEC.kind, import_id, viewer=current_principal())
