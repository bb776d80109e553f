"""The public web-form route, authorised by a source's form key instead of a user token."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from crm_shared.client_address import client_address
from crm_shared.errors import ValidationFailed
from crm_shared.web import (
    Blueprint,
    db_session,
    public,
    service_context,
)

from .. import forms
from ..rules.form_keys import FORM_FIELDS, UTM_FIELDS, origin_allowed
from ..schemas.forms import FormReceiptSchema

blp = Blueprint(
    "forms", __name__, url_prefix="/api/v1/forms", description="Public web-form capture"
)


def _extra() -> dict[str, Any]:
    return service_context().settings.extra


def _region() -> str:
    return _extra()["default_region"]


_FORM_DOC = {
    "security": [],
    "requestBody": {
        "required": True,
        "content": {
            kind: {
                "schema": {
                    "type": "object",
                    "properties": {
                        name: {"type": "string", "maxLength": 300}
                        for name in sorted(FORM_FIELDS | UTM_FIELDS)
                    },
                    "additionalProperties": {"type": "string"},
                }
            }
            for kind in ("application/json", "application/x-www-form-urlencoded")
        },
    },
}


def _client_address() -> str:
    # X-Forwarded-For counts only from a trusted proxy (CRM_TRUSTED_PROXIES).
    return client_address()


@blp.post("/<string:form_key>")
@public
@blp.doc(**_FORM_DOC)
@blp.response(202, FormReceiptSchema)
def submit_form(form_key: str) -> Any:
    """A landing-page form post, authorised by the source's form key (no user token)."""
    if request.mimetype == "application/json":
        payload = request.get_json(silent=True)
        if not isinstance(payload, dict):
            raise ValidationFailed.field("(body)", "must be a JSON object")
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        payload = request.form.to_dict()
    else:
        raise ValidationFailed.field("(body)", "send JSON or a form (urlencoded)")
    if not all(isinstance(v, str | int | float | type(None)) for v in payload.values()):
        raise ValidationFailed.field("(body)", "values must be text")
    forms.submit(
        db_session(),
        service_context().db,
        form_key,
        payload,
        origin=request.headers.get("Origin"),
        client=_client_address(),
        region=_region(),
    )
    return {"status": "received"}


@blp.after_request
def _cors(response: Response) -> Response:
    """Let the browser read the answer when the page's origin is one the source allows."""
    origin = request.headers.get("Origin")
    key = (request.view_args or {}).get("form_key")
    if not origin or not key:
        return response
    try:
        with service_context().db.reading() as session:
            source = forms.find_source(session, key)
            allowed = origin_allowed(source.allowed_origins, origin)
    except Exception:
        return response
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "600"
    return response
