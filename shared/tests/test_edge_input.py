"""What every request passes before a view: body limits that never truncate,
NUL bytes and bad cursors as 422, nosniff, the client's address."""

from __future__ import annotations

import base64
import io
import json

import pytest
from flask import Flask, request

from crm_shared.client_address import TrustedProxies, parse_trusted_proxies
from crm_shared.config import ConfigError, Settings
from crm_shared.errors import ValidationFailed
from crm_shared.pagination import SortKey, decode_cursor, encode_cursor
from crm_shared.service import ServiceSpec
from crm_shared.tables import platform_metadata
from crm_shared.testing import TokenFactory
from crm_shared.web import Blueprint, body_limit, create_service_app, public

from .conftest import probe_items, probe_metadata

blp = Blueprint("edge", __name__, url_prefix="/api/v1/edge")


@blp.post("/echo")
@public
@body_limit(100)
def echo():
    return {"size": len(request.get_data())}


@blp.post("/form")
@public
@body_limit(100)
def form():
    return {"fields": sorted(request.form)}


@blp.get("/things/<string:key>")
@public
def thing(key: str):
    return {"key": key, "q": request.args.get("q")}


@blp.post("/things")
@public
def make_thing():
    return {"got": request.get_json()}


def make_app(tmp_path, tokens: TokenFactory) -> Flask:
    spec = ServiceSpec(
        name="probe",
        import_name="probe",
        title="Probe",
        metadata=probe_metadata,
        blueprints=lambda: [blp],
        port=0,
        resources=("extra-things",),
    )
    settings = Settings(
        service="probe",
        database_url=f"sqlite:///{tmp_path / 'e.db'}",
        broker_url="memory://",
        jwks_url="file:///dev/null",
        jwt_issuer=tokens.issuer,
        jwt_audience=tokens.audience,
    )
    app = create_service_app(spec, settings, verifier=tokens.verifier())
    platform_metadata.create_all(app.extensions["crm"].db.engine)
    return app


def _chunked(client, path: str, body: bytes, content_type: str = "application/octet-stream"):
    # No Content-Length, the stream ended by the server: how gunicorn and
    # Werkzeug's server hand over a chunked body.
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_streamed_body_over_the_limit_is_refused_not_truncated(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    assert _chunked(client, "/api/v1/edge/echo", b"x" * 100).json == {"size": 100}
    refused = _chunked(client, "/api/v1/edge/echo", b"x" * 101)
    assert refused.status_code == 413
    assert refused.content_type == "application/problem+json"
    body = b"a=" + b"x" * 200
    form_refused = _chunked(
        client, "/api/v1/edge/form", body, content_type="application/x-www-form-urlencoded"
    )
    assert form_refused.status_code == 413


def test_a_declared_body_over_the_limit_is_refused_before_reading(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    stream = io.BytesIO(b"x" * 10)  # far shorter than declared: never read
    refused = client.post(
        "/api/v1/edge/echo",
        input_stream=stream,
        content_type="application/octet-stream",
        environ_overrides={"CONTENT_LENGTH": "5000"},
    )
    assert refused.status_code == 413
    assert refused.json["limit"] == 100
    assert stream.tell() == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/edge/things/a%00b",
        "/api/v1/edge/things/a?q=x%00y",
        "/api/v1/edge/things/a?x%00=1",
        "/api/v1/nowhere/%00",
    ],
)
def test_nul_in_path_or_query_is_422(tmp_path, tokens, path):
    response = make_app(tmp_path, tokens).test_client().get(path)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.json["errors"][0]["message"] == "must not contain NUL characters"


def test_nul_in_json_or_form_is_422_and_names_the_field(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    response = client.post("/api/v1/edge/things", json={"a": {"b": ["ok", "x\u0000"]}})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "a.b.1"
    assert response.json["errors"][0]["location"] == "json"
    raw = client.post(
        "/api/v1/edge/things", data=b'{"a": "x\x00"}', content_type="application/json"
    )
    assert raw.status_code in (400, 422)  # a raw NUL is not even valid JSON
    form_response = client.post("/api/v1/edge/form", data={"name": "x\x00"})
    assert form_response.status_code == 422
    assert form_response.json["errors"][0]["location"] == "form"
    fine = client.post("/api/v1/edge/things", json={"a": "\u4e2d\u6587 \\u0000 text"})
    assert fine.status_code == 200


def test_every_response_says_nosniff(tmp_path, tokens):
    client = make_app(tmp_path, tokens).test_client()
    for response in (client.get("/api/v1/edge/things/a"), client.get("/missing")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_service_names_the_resources_it_serves(tmp_path, tokens):
    routes = make_app(tmp_path, tokens).test_client().get("/routes.json").json
    assert routes == {"service": "probe", "resources": ["edge", "extra-things"]}


def _cursor(values) -> str:
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        _cursor([5]),  # an int where a UUID belongs
        _cursor([{"a": 1}]),
        _cursor([[1]]),
        _cursor(["not-a-uuid"]),
        _cursor(["a\u0000"]),
        _cursor([1, 2]),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_bad_cursors_are_field_errors(cursor):
    keys = [SortKey(probe_items.c.id, "id")]
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor(cursor, keys)
    assert caught.value.errors == [{"field": "cursor", "message": "is not a cursor from this list"}]


def test_a_good_cursor_round_trips():
    import uuid

    keys = [SortKey(probe_items.c.id, "id")]
    value = uuid.uuid4()
    assert decode_cursor(encode_cursor([value]), keys) == [value]


def test_forwarded_for_counts_only_from_trusted_proxies():
    nobody = TrustedProxies()
    assert nobody.client("198.51.100.7", "203.0.113.9") == "198.51.100.7"
    gateway = parse_trusted_proxies("10.0.0.0/8, 192.0.2.7")
    assert gateway.client("10.1.2.3", "203.0.113.9") == "203.0.113.9"
    assert gateway.client("192.0.2.7", "203.0.113.9, 10.4.4.4") == "203.0.113.9"
    # A client-made entry to the left of the real one is not believed.
    assert gateway.client("10.1.2.3", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert gateway.client("10.1.2.3", "garbage") == "10.1.2.3"
    assert gateway.client("198.51.100.7", "203.0.113.9") == "198.51.100.7"
    with pytest.raises(ConfigError):
        parse_trusted_proxies("10.0.0.0/8, not-an-address")
