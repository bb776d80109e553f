"""Identity end to end: revocation at once, refresh tokens and API keys, on real processes."""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from crm_shared.config import DEFAULT_PORTS

from .conftest import ADMIN_PASSWORD, PORT_OFFSET, System, eventually

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-password"
LEADS_DIRECT = f"http://127.0.0.1:{DEFAULT_PORTS['leads'] + PORT_OFFSET}"


def _direct(token: str) -> int:
    """Status of a call straight to the leads service, bypassing the gateway."""
    return requests.get(
        f"{LEADS_DIRECT}/api/v1/leads", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).status_code


@pytest.fixture(scope="module")
def admin(system: System) -> str:
    return system.token("admin", ADMIN_PASSWORD)


def _new_rep(system: System, admin: str) -> tuple[str, str]:
    username = f"rev-{uuid.uuid4().hex[:6]}"
    created = system.call(
        "POST",
        "/api/v1/users",
        admin,
        json={"username": username, "password": PASSWORD, "roles": ["rep"]},
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], username


def test_a_burst_at_a_freshly_started_service_all_succeeds(fresh_system: System):
    # A system of this test's own: the leads web process has served nothing but
    # /readyz, so only keys fetched before it reported ready can answer this burst.
    system = fresh_system
    admin = system.token("admin", ADMIN_PASSWORD)
    from concurrent.futures import ThreadPoolExecutor

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=100)
    session.mount("http://", adapter)

    def one(_: int) -> int:
        return session.get(
            f"{system.base_url}/api/v1/leads",
            headers={"Authorization": f"Bearer {admin}"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(one, range(100)))
    assert statuses == [200] * 100, sorted(set(statuses))


def test_a_disabled_users_token_fails_everywhere_within_a_second(system: System, admin: str):
    user_id, username = _new_rep(system, admin)
    token = system.token(username, PASSWORD)
    assert system.call("GET", "/api/v1/leads", token).status_code == 200
    assert _direct(token) == 200
    disabled = system.call("PATCH", f"/api/v1/users/{user_id}", admin, json={"active": False})
    assert disabled.status_code == 200, disabled.text
    started = time.monotonic()
    assert system.call("GET", "/api/v1/auth/me", token).status_code == 401, "gateway: at once"
    # The services learn it from user.updated through the bus, within about a second
    # (the bound here leaves room for a machine shared with other test runs).
    eventually(lambda: _direct(token) == 401, timeout=2.5, interval=0.05)
    eventually(
        lambda: system.call("GET", "/api/v1/leads", token).status_code == 401,
        timeout=2.5,
        interval=0.05,
    )
    print(f"revocation reached the leads service in {time.monotonic() - started:.2f}s")


def test_a_refreshed_token_works_against_services_and_sign_out_ends_it(system: System, admin):
    _user_id, username = _new_rep(system, admin)
    signed_in = system.call(
        "POST", "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
    ).json()
    renewed = system.call(
        "POST", "/api/v1/auth/refresh", json={"refresh_token": signed_in["refresh_token"]}
    )
    assert renewed.status_code == 200, renewed.text
    assert system.call("GET", "/api/v1/leads", renewed.json()["access_token"]).status_code == 200
    body = {"refresh_token": renewed.json()["refresh_token"]}
    assert system.call("POST", "/api/v1/auth/logout", json=body).status_code == 204
    assert system.call("POST", "/api/v1/auth/refresh", json=body).status_code == 401


def test_an_api_key_reaches_its_resources_only(system: System, admin: str):
    created = system.call(
        "POST",
        "/api/v1/api-keys",
        admin,
        json={"name": f"ERP {uuid.uuid4().hex[:4]}", "role": "rep", "resources": ["leads"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    listed = system.call("GET", "/api/v1/leads", headers={"X-Api-Key": key})
    assert listed.status_code == 200, listed.text
    via_header = system.call("GET", "/api/v1/leads", headers={"Authorization": f"ApiKey {key}"})
    assert via_header.status_code == 200
    assert system.call("GET", "/api/v1/customers", headers={"X-Api-Key": key}).status_code == 403
    revoked = system.call("DELETE", f"/api/v1/api-keys/{created.json()['id']}", admin)
    assert revoked.status_code == 204
    assert system.call("GET", "/api/v1/leads", headers={"X-Api-Key": key}).status_code == 401
