"""Sign-in, tokens, users and teams at the gateway."""

import jwt
import pytest
from jwt.algorithms import RSAAlgorithm

from crm_gateway.service import SERVICE
from crm_shared.auth import TokenVerifier


def test_admin_signs_in_and_sees_themselves(gw, login):
    response = login(gw)
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert 60 <= body["expires_in"] <= 86400
    me = gw.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json["username"] == "admin"
    assert me.json["roles"] == ["admin"]


def test_tokens_verify_with_the_published_jwks(gw, login):
    token = login(gw).json["access_token"]
    jwks = gw.client.get("/api/v1/auth/jwks.json").json
    assert jwks["keys"] and all("d" not in key for key in jwks["keys"]), "private parts leaked"
    keys = [(k["kid"], RSAAlgorithm.from_jwk(k)) for k in jwks["keys"]]
    verifier = TokenVerifier.from_keys(keys, issuer="crm-gateway", audience="crm")
    principal = verifier.verify(token)
    assert principal.username == "admin"
    assert jwt.get_unverified_header(token)["alg"] == "RS256"


def test_a_token_with_alg_none_or_another_key_is_refused(gw, tokens):
    forged = jwt.encode({"sub": "x", "roles": ["admin"]}, key=None, algorithm="none")
    assert (
        gw.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    # Signed correctly, but by a key the gateway never issued.
    assert (
        gw.client.get("/api/v1/auth/me", headers=tokens.headers(roles=["admin"])).status_code == 401
    )


def test_wrong_passwords_slow_down_then_refuse(gw, login, clock):
    for _ in range(2):
        assert login(gw, password="wrong password!").status_code == 401
    # The third failure makes the next try wait 1 s, the fourth 2 s.
    for delay in (1, 2):
        assert login(gw, password="wrong password!").status_code == 401
        slowed = login(gw)
        assert slowed.status_code == 429, "even the right password waits its turn"
        assert slowed.headers["Retry-After"] == str(delay)
        assert slowed.content_type == "application/problem+json"
        clock.advance(delay)
    assert login(gw, password="wrong password!").status_code == 401
    clock.advance(60)
    blocked = login(gw)
    assert blocked.status_code == 429, "five failures refuse the pair for the window"
    assert int(blocked.headers["Retry-After"]) > 60
    clock.advance(15 * 60)
    assert login(gw).status_code == 200


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(gw, login):
    unknown = login(gw, username="nobody", password="whatever123")
    wrong = login(gw, password="whatever123")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json["detail"] == wrong.json["detail"]


def test_admin_creates_team_and_rep_who_can_sign_in(gw, bearer):
    admin = bearer(gw)
    team = gw.client.post("/api/v1/teams", json={"name": "East"}, headers=admin)
    assert team.status_code == 201
    created = gw.client.post(
        "/api/v1/users",
        json={
            "username": "Rita",
            "password": "rita-password-1",
            "roles": ["rep"],
            "team_id": team.json["id"],
        },
        headers=admin,
    )
    assert created.status_code == 201, created.json
    assert "password" not in created.json and "password_hash" not in created.json
    assert created.json["username"] == "rita"
    [event] = gw.events("user.created")[-1:]
    assert event["data"]["username"] == "rita"
    assert event["data"]["team_id"] == team.json["id"]
    rep = bearer(gw, "rita", "rita-password-1")
    me = gw.client.get("/api/v1/auth/me", headers=rep).json
    assert me["roles"] == ["rep"] and me["team_id"] == team.json["id"]
    forbidden = gw.client.post(
        "/api/v1/users",
        json={"username": "x1", "password": "abcdefghijk", "roles": ["admin"]},
        headers=rep,
    )
    assert forbidden.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ok_name", "password": "short", "roles": ["rep"]}, "password"),
        ({"username": "ok_name", "password": "long-enough-pw", "roles": ["wizard"]}, "roles.0"),
        ({"username": "a b", "password": "long-enough-pw", "roles": ["rep"]}, "username"),
        ({"username": "ok_name", "password": "long-enough-pw", "roles": []}, "roles"),
    ],
)
def test_bad_user_input_names_the_field(gw, body, field, bearer):
    admin = bearer(gw)
    before = len(gw.client.get("/api/v1/users", headers=admin).json["items"])
    response = gw.client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json["errors"]}
    assert len(gw.client.get("/api/v1/users", headers=admin).json["items"]) == before


def test_duplicate_username_conflicts(gw, bearer):
    admin = bearer(gw)
    body = {"username": "dup", "password": "long-enough-pw", "roles": ["rep"]}
    assert gw.client.post("/api/v1/users", json=body, headers=admin).status_code == 201
    assert gw.client.post("/api/v1/users", json=body, headers=admin).status_code == 409


def test_deactivated_user_cannot_sign_in(gw, login, bearer):
    admin = bearer(gw)
    user = gw.client.post(
        "/api/v1/users",
        json={"username": "leaver", "password": "long-enough-pw", "roles": ["rep"]},
        headers=admin,
    ).json
    patched = gw.client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=admin)
    assert patched.status_code == 200
    assert login(gw, "leaver", "long-enough-pw").status_code == 401
    assert gw.events("user.updated")[-1]["data"]["active"] is False


def test_generated_admin_password_is_printed_once(harness_factory, capsys, login):
    gw = harness_factory(SERVICE, environ={})
    printed = capsys.readouterr().err
    assert "First admin created" in printed
    password = printed.split("password '", 1)[1].split("'", 1)[0]
    assert login(gw, "admin", password).status_code == 200
    gw.spec.bootstrap(gw.db, gw.settings)
    assert "First admin created" not in capsys.readouterr().err


def test_no_default_password_exists(harness_factory, login, make_gateway, admin_password):
    gw = make_gateway()
    for guess in ("admin", "password", "changeme", "admin123"):
        assert login(gw, "admin", guess).status_code in (401, 429)
    assert login(gw, "admin", admin_password).status_code in (200, 429)
