"""Refresh tokens: rotated on use, reuse revokes the family, sign-out and disable end them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_gateway.models import RefreshToken

REP_PASSWORD = "rita-long-secret-9"


@pytest.fixture
def admin(gw, bearer):
    return bearer(gw)


@pytest.fixture
def rita(gw, admin):
    body = {"username": "rita", "password": REP_PASSWORD, "roles": ["rep"]}
    return gw.client.post("/api/v1/users", json=body, headers=admin).json


def _refresh(gw, token):
    return gw.client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def test_a_refresh_gives_a_working_access_token_and_a_new_refresh_token(gw, login, rita):
    first = login(gw, "rita", REP_PASSWORD).json
    renewed = _refresh(gw, first["refresh_token"])
    assert renewed.status_code == 200, renewed.json
    assert renewed.json["refresh_token"] != first["refresh_token"]
    headers = {"Authorization": f"Bearer {renewed.json['access_token']}"}
    assert gw.client.get("/api/v1/auth/me", headers=headers).json["username"] == "rita"


def test_reusing_a_rotated_token_revokes_the_whole_family(gw, login, rita):
    first = login(gw, "rita", REP_PASSWORD).json["refresh_token"]
    second = _refresh(gw, first).json["refresh_token"]
    stolen = _refresh(gw, first)
    assert stolen.status_code == 401
    assert _refresh(gw, second).status_code == 401, "the family's newest token died too"


def test_sign_out_revokes_the_refresh_token(gw, login, rita):
    token = login(gw, "rita", REP_PASSWORD).json["refresh_token"]
    assert gw.client.post("/api/v1/auth/logout", json={"refresh_token": token}).status_code == 204
    assert _refresh(gw, token).status_code == 401


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"password": "set-by-the-admin-31"}],
    ids=["disable", "password"],
)
def test_disable_and_password_change_revoke_refresh_tokens(gw, admin, login, rita, change):
    token = login(gw, "rita", REP_PASSWORD).json["refresh_token"]
    assert (
        gw.client.patch(f"/api/v1/users/{rita['id']}", json=change, headers=admin).status_code
        == 200
    )
    assert _refresh(gw, token).status_code == 401


def test_only_a_digest_is_stored(gw, login, rita):
    token = login(gw, "rita", REP_PASSWORD).json["refresh_token"]
    with gw.db.session() as session:
        stored = session.scalars(select(RefreshToken.token_hash)).all()
    assert stored and token not in stored


def test_an_unknown_refresh_token_is_401(gw):
    assert _refresh(gw, "not-a-token").status_code == 401
