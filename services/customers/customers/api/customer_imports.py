"""Routes of customer imports: the upload and the job's progress."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared import imports
from crm_shared.auth import ADMIN, MANAGER, REP
from crm_shared.errors import ValidationFailed
from crm_shared.web import (
    body_limit,
    current_principal,
    db_session,
    require_roles,
)

from .. import access
from ..customer_imports import SPEC as IMPORT_SPEC
from ..schemas.customer_imports import ImportArgsSchema
from .common import extra
from .customers import blp

_IMPORT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {
                            "type": "string",
                            "description": 'JSON object {"CSV column": "customer field"}',
                        },
                        "in_pool": {"type": "string", "enum": ["true", "false"]},
                        "pool_id": {"type": "string", "format": "uuid"},
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


def _import_options(form: dict[str, str]) -> tuple[dict[str, str] | None, dict[str, Any]]:
    mapping = imports.upload_mapping(form, options=("in_pool", "pool_id"))
    options: dict[str, Any] = {}
    if "in_pool" in form:
        if form["in_pool"] not in ("true", "false"):
            raise ValidationFailed.field("in_pool", "must be true or false")
        options["in_pool"] = form["in_pool"] == "true"
    if form.get("pool_id"):
        try:
            pool_id = uuid.UUID(form["pool_id"])
        except ValueError as exc:
            raise ValidationFailed.field("pool_id", "is not a UUID") from exc
        if pool_id not in access.reach(db_session(), current_principal()).pool_ids:
            raise ValidationFailed.field("pool_id", "no such pool, or not one you belong to")
        options["pool_id"] = str(pool_id)
    return mapping, options


@blp.post("/imports")
@require_roles(ADMIN, MANAGER, REP)
@body_limit("max_import_bytes")
@blp.arguments(ImportArgsSchema, location="query", as_kwargs=True)
@blp.doc(**_IMPORT_DOC)
@blp.response(202, imports.ImportJobSchema)
def create_import(**_args: Any) -> Any:
    """Upload a CSV (ours, Salesforce accounts, HubSpot companies, or a custom mapping).

    The worker imports it in chunks; poll the job for progress and per-row
    errors. Customers go to the uploader (within their ownership limit) or,
    with ``in_pool=true``, into the pool.
    """
    principal = current_principal()
    filename, data, form = imports.read_upload("file")
    mapping, options = _import_options(form)
    if principal.team_id:
        options["team_id"] = str(principal.team_id)
    return imports.create_job(
        db_session(),
        IMPORT_SPEC,
        data=data,
        filename=filename,
        created_by=principal.id,
        mapping=mapping,
        options=options,
        max_rows=extra()["max_import_rows"],
    )


@blp.get("/imports/<uuid:import_id>")
@blp.response(200, imports.ImportJobSchema)
def get_import(import_id: uuid.UUID) -> Any:
    """An import's progress and per-row errors (line number, field and reason)."""
    return imports.get_job(db_session(), IMPORT_SPEC.kind, import_id, viewer=current_principal())
