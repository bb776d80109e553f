"""Routes of field visits: check-in on a customer, check-out, photos."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, request

from crm_shared import files
from crm_shared.errors import ValidationFailed
from crm_shared.web import (
    Blueprint,
    body_limit,
    current_principal,
    db_session,
)

from .. import records, visits
from ..schemas.visits import (
    CheckInSchema,
    CheckOutSchema,
    VisitListArgsSchema,
    VisitPageSchema,
    VisitSchema,
)
from .common import extra, page
from .customers import blp

visits_blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits", description="Field visits")


@blp.post("/<uuid:customer_id>/visits")
@blp.arguments(CheckInSchema)
@blp.response(201, VisitSchema)
def check_in(data: dict[str, Any], customer_id: uuid.UUID) -> Any:
    """Check in at a customer with GPS coordinates; far from its address is flagged."""
    return visits.check_in(
        db_session(),
        current_principal(),
        customer_id,
        data,
        far_meters=extra()["far_checkin_meters"],
    )


@blp.get("/<uuid:customer_id>/visits")
@blp.arguments(VisitListArgsSchema, location="query", as_kwargs=True)
@blp.response(200, VisitPageSchema)
def customer_visits(customer_id: uuid.UUID, **args: Any) -> Any:
    """The customer's visits, newest first."""
    session, principal = db_session(), current_principal()
    records.get_customer(session, principal, customer_id)
    args["customer_id"] = customer_id
    return page(*visits.list_visits(session, principal, args))


_PHOTO_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/webp": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo"],
                    "properties": {"photo": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


@visits_blp.get("")
@visits_blp.arguments(VisitListArgsSchema, location="query", as_kwargs=True)
@visits_blp.response(200, VisitPageSchema)
def list_visits(**args: Any) -> Any:
    """Visit history: per rep, per customer, per period; far check-ins can be picked out."""
    return page(*visits.list_visits(db_session(), current_principal(), args))


@visits_blp.get("/<uuid:visit_id>")
@visits_blp.response(200, VisitSchema)
def get_visit(visit_id: uuid.UUID) -> Any:
    """One visit."""
    return visits.get_visit(db_session(), current_principal(), visit_id)


@visits_blp.post("/<uuid:visit_id>/check-out")
@visits_blp.arguments(CheckOutSchema)
@visits_blp.response(200, VisitSchema)
def check_out(data: dict[str, Any], visit_id: uuid.UUID) -> Any:
    """Check out; the visit is logged as a follow-up (restarting the recycling clock)."""
    return visits.check_out(
        db_session(),
        current_principal(),
        visit_id,
        data,
        reminder_minutes=extra()["followup_reminder_minutes"],
    )


@visits_blp.put("/<uuid:visit_id>/photo")
@body_limit("photo_max_bytes")
@visits_blp.doc(**_PHOTO_DOC)
@visits_blp.response(200, VisitSchema)
def put_photo(visit_id: uuid.UUID) -> Any:
    """Attach a photo (JPEG, PNG or WebP; size-checked) as the raw body or form field ``photo``."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("photo")
        if upload is None:
            raise ValidationFailed.field("photo", "is required (an image file)")
        filename, declared, data = upload.filename or "photo", upload.mimetype, upload.read()
    else:
        filename, declared, data = "photo", request.mimetype, request.get_data(cache=False)
    return visits.attach_photo(
        db_session(),
        current_principal(),
        visit_id,
        data,
        filename=filename,
        declared_type=declared,
        max_bytes=extra()["photo_max_bytes"],
    )


@visits_blp.get("/<uuid:visit_id>/photo")
@visits_blp.doc(
    responses={
        "200": {
            "description": "the photo",
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in visits.PHOTO_TYPES
            },
        }
    }
)
def get_photo(visit_id: uuid.UUID) -> Response:
    """The visit's photo."""
    stored = visits.photo_of(db_session(), current_principal(), visit_id)
    return Response(
        stored.content,
        mimetype=stored.content_type,
        headers={
            "Cache-Control": "private, max-age=3600",
            "ETag": stored.sha256,
            "Content-Disposition": files.content_disposition(stored.filename, inline=True),
        },
    )
