"""One factory for a service's import routes: upload as a job, poll it, the same everywhere."""

from __future__ import annotations

import io
import uuid

from flask import Flask
from marshmallow import fields

from crm_shared import imports
from crm_shared.config import Settings
from crm_shared.errors import ValidationFailed
from crm_shared.schemas import StrictSchema
from crm_shared.service import ServiceSpec
from crm_shared.tables import platform_metadata
from crm_shared.testing import TokenFactory
from crm_shared.web import Blueprint, create_service_app

from .conftest import probe_metadata

SPEC = imports.ImportSpec(
    kind="things",
    fields=frozenset({"name", "email"}),
    presets={"ours": {"name": "name", "email": "email"}},
    required_any=("name",),
)


class ArgsSchema(StrictSchema):
    """The file name, when the CSV is the raw body."""

    filename = fields.String()


def _options(form: dict[str, str]) -> dict[str, object]:
    if form.get("colour") not in (None, "red", "blue"):
        raise ValidationFailed.field("colour", "must be red or blue")
    return {"colour": form["colour"]} if form.get("colour") else {}


def make_app(tmp_path, tokens: TokenFactory, *, roles: tuple[str, ...] = ()) -> Flask:
    blp = Blueprint("things", __name__, url_prefix="/api/v1/things", description="Things")
    imports.add_upload_routes(
        blp,
        imports.UploadRoutes(
            spec=SPEC,
            args_schema=ArgsSchema,
            field_label="thing field",
            create_doc="Upload things as a CSV.",
            get_doc="An import of things.",
            options={"colour": {"type": "string", "enum": ["red", "blue"]}},
            parse_options=_options,
            roles=roles,
        ),
    )
    spec = ServiceSpec(
        name="probe",
        import_name="probe",
        title="Probe",
        metadata=probe_metadata,
        blueprints=lambda: [blp],
        port=0,
    )
    settings = Settings(
        service="probe",
        database_url=f"sqlite:///{tmp_path / 'i.db'}",
        broker_url="memory://",
        jwks_url="file:///dev/null",
        jwt_issuer=tokens.issuer,
        jwt_audience=tokens.audience,
        extra={"max_import_bytes": 4096, "max_import_rows": 3},
    )
    app = create_service_app(spec, settings, verifier=tokens.verifier())
    platform_metadata.create_all(app.extensions["crm"].db.engine)
    return app


def _upload(client, headers, text, **form):
    return client.post(
        "/api/v1/things/imports",
        data={"file": (io.BytesIO(text.encode()), "t.csv"), **form},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_an_upload_becomes_a_job_its_uploader_can_follow(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    team = uuid.uuid4()
    uploader = tokens.headers(user_id=uuid.uuid4(), roles=("rep",), team_id=team)
    created = _upload(client, uploader, "name,email\nAda,ada@example.com\n", colour="red")
    assert created.status_code == 202, created.json
    job = created.json
    assert (job["status"], job["total"], job["preset"]) == ("pending", 1, "ours")
    seen = client.get(f"/api/v1/things/imports/{job['id']}", headers=uploader)
    assert seen.status_code == 200 and seen.json["id"] == job["id"]
    with make_app(tmp_path, tokens).extensions["crm"].db.reading() as session:
        stored = imports.get_job(session, "things", uuid.UUID(job["id"]))
    assert stored["options"] == {"colour": "red", "team_id": str(team), "preset": "ours"}
    other = tokens.headers(user_id=uuid.uuid4(), roles=("rep",))
    hidden = client.get(f"/api/v1/things/imports/{job['id']}", headers=other)
    assert hidden.status_code == 404
    admin = tokens.headers(user_id=uuid.uuid4(), roles=("admin",))
    assert client.get(f"/api/v1/things/imports/{job['id']}", headers=admin).status_code == 200


def test_bad_options_unknown_fields_and_too_many_rows_are_field_errors(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    rep = tokens.headers(user_id=uuid.uuid4(), roles=("rep",))
    bad = _upload(client, rep, "name\nA\n", colour="green")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "colour"
    unknown = _upload(client, rep, "name\nA\n", size="9")
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "size"
    many = _upload(client, rep, "name\nA\nB\nC\nD\n")
    assert many.status_code == 422 and "at most 3" in many.json["errors"][0]["message"]


def test_the_body_limit_is_the_services_setting(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    rep = tokens.headers(user_id=uuid.uuid4(), roles=("rep",))
    assert _upload(client, rep, "name\n" + "x\n" * 4000).status_code == 413


def test_roles_when_given_are_enforced(tmp_path, tokens):
    client = make_app(tmp_path, tokens, roles=("admin",)).test_client()
    rep = tokens.headers(user_id=uuid.uuid4(), roles=("rep",))
    assert _upload(client, rep, "name\nA\n").status_code == 403
    admin = tokens.headers(user_id=uuid.uuid4(), roles=("admin",))
    assert _upload(client, admin, "name\nA\n").status_code == 202


def test_the_openapi_document_describes_the_form_in_the_services_words(tmp_path, tokens):
    doc = make_app(tmp_path, tokens).test_client().get("/openapi.json").json
    upload = doc["paths"]["/api/v1/things/imports"]["post"]
    assert upload["summary"] == "Upload things as a CSV."
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert set(form["properties"]) == {"file", "mapping", "colour"}
    assert "thing field" in form["properties"]["mapping"]["description"]
    assert "202" in upload["responses"]
    poll = doc["paths"]["/api/v1/things/imports/{import_id}"]["get"]
    assert poll["summary"] == "An import of things."
