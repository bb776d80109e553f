"""Disabling a user, changing their rights or password revokes their tokens at once."""

from __future__ import annotations

import pytest

REP_PASSWORD = "rita-long-secret-9"


@pytest.fixture
def admin(gw, bearer):
    return bearer(gw)


@pytest.fixture
def rita(gw, admin):
    created = gw.client.post(
        "/api/v1/users",
        json={"username": "rita", "password": REP_PASSWORD, "roles": ["rep"]},
        headers=admin,
    )
    assert created.status_code == 201, created.json
    return created.json


def _me(gw, headers):
    return gw.client.get("/api/v1/auth/me", headers=headers)


@pytest.mark.parametrize(
    "change", [{"active": False}, {"roles": ["manager"]}], ids=["disable", "roles"]
)
def test_a_change_refuses_the_users_existing_token_at_once(gw, admin, bearer, rita, change):
    token = bearer(gw, "rita", REP_PASSWORD)
    assert _me(gw, token).status_code == 200
    changed = gw.client.patch(f"/api/v1/users/{rita['id']}", json=change, headers=admin)
    assert changed.status_code == 200, changed.json
    refused = _me(gw, token)
    assert refused.status_code == 401
    assert refused.content_type == "application/problem+json"
    event = gw.events("user.updated")[-1]["data"]
    assert event["user_id"] == rita["id"] and event["tokens_valid_after"]


def test_a_role_change_lets_a_fresh_sign_in_through_with_the_new_roles(gw, admin, bearer, rita):
    gw.client.patch(f"/api/v1/users/{rita['id']}", json={"roles": ["manager"]}, headers=admin)
    me = _me(gw, bearer(gw, "rita", REP_PASSWORD))
    assert me.status_code == 200 and me.json["roles"] == ["manager"]


def test_a_name_change_revokes_nothing(gw, admin, bearer, rita):
    token = bearer(gw, "rita", REP_PASSWORD)
    changed = gw.client.patch(
        f"/api/v1/users/{rita['id']}", json={"display_name": "丽塔"}, headers=admin
    )
    assert changed.status_code == 200
    assert _me(gw, token).status_code == 200
