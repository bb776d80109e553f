"""The HTTP side of an import: the upload as sent, its form options, the job as answered."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from marshmallow import fields as ma_fields

from ..errors import ValidationFailed
from ..schemas import StrictSchema
from .spec import STATUSES


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
    """One refused row, or (``warning: true``) a row imported with a warning."""

    line = ma_fields.Integer(required=True)
    field = ma_fields.String()
    reason = ma_fields.String(required=True)
    warning = ma_fields.Boolean(metadata={"description": "the row was imported; take note"})


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
        lambda job: (
            job["failed"] > len([e for e in job.get("errors") or [] if not e.get("warning")])
        ),
        metadata={"type": "boolean"},
    )
    failure = ma_fields.String(allow_none=True)
    created_at = ma_fields.DateTime(required=True)
    started_at = ma_fields.DateTime(allow_none=True)
    finished_at = ma_fields.DateTime(allow_none=True)
