"""Passwords: strength, the current one to change one's own, throttling, rehashing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from crm_gateway.models import User
from crm_gateway.passwords import needs_rehash, password_problem

REP_PASSWORD = "rita-long-secret-9"


@pytest.fixture
def admin(gw, bearer):
    return bearer(gw)


@pytest.fixture
def rita(gw, admin):
    body = {"username": "rita", "password": REP_PASSWORD, "roles": ["rep"]}
    created = gw.client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.json
    return created.json


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", "1234567890", "password12", " " * 10])
def test_weak_passwords_are_refused_naming_the_field(gw, admin, weak):
    body = {"username": "newbie", "password": weak, "roles": ["rep"]}
    response = gw.client.post("/api/v1/users", json=body, headers=admin)
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["password"]
    assert gw.events("user.created")[-1]["data"]["username"] != "newbie"


def test_a_password_built_from_the_username_is_weak():
    assert password_problem("zhangwei2026", "zhangwei") is not None
    assert password_problem("correct horse battery staple", "zhangwei") is None


def test_changing_ones_own_password_needs_the_current_one(gw, bearer, login, rita):
    token = bearer(gw, "rita", REP_PASSWORD)
    url = f"/api/v1/users/{rita['id']}"
    new = "a-brand-new-secret-7"
    for wrong in ({"password": new}, {"password": new, "current_password": "nope nope nope"}):
        refused = gw.client.patch(url, json=wrong, headers=token)
        assert refused.status_code == 422
        assert refused.json["errors"][0]["field"] == "current_password"
    assert login(gw, "rita", REP_PASSWORD).status_code == 200, "nothing changed"
    changed = gw.client.patch(
        url, json={"password": new, "current_password": REP_PASSWORD}, headers=token
    )
    assert changed.status_code == 200, changed.json
    assert login(gw, "rita", new).status_code == 200
    assert login(gw, "rita", REP_PASSWORD).status_code == 401
    # The change revoked the token used to make it.
    assert gw.client.get("/api/v1/auth/me", headers=token).status_code == 401


def test_an_admin_resets_anothers_password_without_theirs(gw, admin, login, rita):
    response = gw.client.patch(
        f"/api/v1/users/{rita['id']}", json={"password": "reset-by-admin-42"}, headers=admin
    )
    assert response.status_code == 200
    assert login(gw, "rita", "reset-by-admin-42").status_code == 200


def _login_from(gw, address, username, password):
    return gw.client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_attacker_elsewhere_cannot_lock_the_user_out_of_their_own_address(gw, rita, clock):
    home, attacker = "10.1.1.1", "203.0.113.9"
    assert _login_from(gw, home, "rita", REP_PASSWORD).status_code == 200
    statuses = []
    for _ in range(40):  # guessing as fast as the gateway lets it, for a minute
        statuses.append(_login_from(gw, attacker, "rita", "guess-guess-guess").status_code)
        clock.advance(1.5)
    # Slowed down after two failures, refused after five: only five guesses got through.
    assert statuses[:5] == [401, 401, 401, 401, 429], "the fifth try came too soon"
    assert statuses.count(401) == 5 and set(statuses[6:]) == {429}
    assert _login_from(gw, attacker, "rita", REP_PASSWORD).status_code == 429
    # Meanwhile rita, from her own address: the right password works at once.
    assert _login_from(gw, home, "rita", REP_PASSWORD).status_code == 200
    # And her own typing errors slow only her own address down, briefly.
    clock.advance(1)
    for _ in range(3):
        assert _login_from(gw, home, "rita", "typo-typo-typo").status_code == 401
    assert _login_from(gw, home, "rita", REP_PASSWORD).status_code == 429
    clock.advance(1)
    assert _login_from(gw, home, "rita", REP_PASSWORD).status_code == 200


def test_a_guessing_campaign_from_many_addresses_is_refused_at_new_addresses(make_gateway):
    gw = make_gateway(CRM_LOGIN_MAX_USER_FAILURES_ANYWHERE="3")
    for n in range(3):
        assert _login_from(gw, f"198.51.100.{n}", "admin", "guess-guess").status_code == 401
    assert _login_from(gw, "198.51.100.77", "admin", "guess-guess").status_code == 429


def test_an_old_hash_still_verifies_and_is_upgraded_on_sign_in(gw, login, rita):
    legacy = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
    with gw.db.transaction() as session:
        user = session.scalars(select(User).where(User.username == "rita")).one()
        user.password_hash = legacy.hash(REP_PASSWORD)
    assert login(gw, "rita", REP_PASSWORD).status_code == 200
    with gw.db.session() as session:
        stored = session.scalars(select(User.password_hash).where(User.username == "rita")).one()
    assert "m=19456,t=2,p=1" in stored and not needs_rehash(stored)
