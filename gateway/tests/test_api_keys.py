"""API keys: created by admins, shown once, stored hashed, exchanged at the edge, revocable."""

from __future__ import annotations

import pytest
from flask import jsonify, request
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from crm_gateway.models import ApiKey
from crm_shared.auth import TokenVerifier


@pytest.fixture
def erp(routed_gateway):
    """A gateway in front of stand-in leads and customers services that report the caller."""
    app = routed_gateway.app
    routed_gateway.declared["customers"] = ["customers"]

    @app.route("/api/v1/<path:rest>", methods=["GET", "POST"])
    @app.route("/<name>/api/v1/<path:rest>", methods=["GET", "POST"])
    def echo(rest, name="leads"):
        return jsonify(
            authorization=request.headers.get("Authorization"),
            api_key=request.headers.get("X-Api-Key"),
        )

    return routed_gateway()


def _create(gw, headers, **body):
    payload = {"name": "ERP", "role": "rep", "resources": ["leads"], **body}
    return gw.client.post("/api/v1/api-keys", json=payload, headers=headers)


def _principal_seen(gw, authorization):
    jwks = gw.client.get("/api/v1/auth/jwks.json").json
    keys = [(k["kid"], RSAAlgorithm.from_jwk(k)) for k in jwks["keys"]]
    verifier = TokenVerifier.from_keys(keys, issuer="crm-gateway", audience="crm")
    scheme, _, token = authorization.partition(" ")
    assert scheme == "Bearer"
    return verifier.verify(token)


def test_a_key_is_shown_once_and_stored_hashed(erp, bearer):
    admin = bearer(erp)
    created = _create(erp, admin)
    assert created.status_code == 201, created.json
    key = created.json["key"]
    listed = erp.client.get("/api/v1/api-keys", headers=admin).json["items"]
    assert [k["id"] for k in listed] == [created.json["id"]]
    assert "key" not in listed[0] and key.startswith(listed[0]["prefix"])
    with erp.db.session() as session:
        assert key not in session.scalars(select(ApiKey.key_hash)).all()


@pytest.mark.parametrize("style", ["authorization", "x-api-key"])
def test_the_gateway_exchanges_a_key_for_a_token_services_verify(erp, bearer, style):
    admin = bearer(erp)
    created = _create(erp, admin, role="service_agent").json
    key = created["key"]
    headers = {"Authorization": f"ApiKey {key}"} if style == "authorization" else {"X-Api-Key": key}
    seen = erp.client.get("/api/v1/leads", headers=headers)
    assert seen.status_code == 200, seen.json
    assert seen.json["api_key"] is None, "the key itself never reaches a service"
    principal = _principal_seen(erp, seen.json["authorization"])
    assert principal.roles == {"service_agent"}
    assert str(principal.id) == created["id"]
    listed = erp.client.get("/api/v1/api-keys", headers=admin).json["items"]
    assert listed[0]["last_used_at"] is not None


def test_a_key_outside_its_resources_is_403(erp, bearer):
    key = _create(erp, bearer(erp)).json["key"]
    refused = erp.client.get("/api/v1/customers", headers={"X-Api-Key": key})
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"


def test_a_revoked_or_made_up_key_is_401_at_once(erp, bearer):
    admin = bearer(erp)
    created = _create(erp, admin).json
    headers = {"X-Api-Key": created["key"]}
    assert erp.client.get("/api/v1/leads", headers=headers).status_code == 200
    revoked = erp.client.delete(f"/api/v1/api-keys/{created['id']}", headers=admin)
    assert revoked.status_code == 204
    assert erp.client.get("/api/v1/leads", headers=headers).status_code == 401
    assert erp.client.get("/api/v1/leads", headers={"X-Api-Key": "crmk_made_up"}).status_code == 401


def test_only_admins_manage_keys_and_bad_input_is_422(erp, bearer, tokens):
    admin = bearer(erp)
    unknown = _create(erp, admin, resources=["nowhere"])
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "resources"
    bad_role = _create(erp, admin, role="wizard")
    assert bad_role.status_code == 422
    erp.client.post(
        "/api/v1/users",
        json={"username": "rita", "password": "rita-long-secret-9", "roles": ["rep"]},
        headers=admin,
    )
    rep = bearer(erp, "rita", "rita-long-secret-9")
    assert _create(erp, rep).status_code == 403
    assert erp.client.get("/api/v1/api-keys", headers=rep).status_code == 403
    assert erp.client.get("/api/v1/api-keys", headers=admin).json["items"] == []
