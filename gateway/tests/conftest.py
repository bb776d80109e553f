from datetime import timedelta

import pytest

from crm_gateway.service import SERVICE

ADMIN_PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_password() -> str:
    return ADMIN_PASSWORD


@pytest.fixture
def make_gateway(harness_factory):
    """Build a gateway with its first admin bootstrapped and extra environment."""

    def make(**environ):
        env = {"CRM_ADMIN_PASSWORD": ADMIN_PASSWORD, **environ}
        return harness_factory(SERVICE, environ=env)

    return make


@pytest.fixture
def gw(make_gateway):
    """The gateway, with services at ports where nothing listens."""
    return make_gateway(CRM_LEADS_URL="http://127.0.0.1:9")


@pytest.fixture
def login():
    """Sign in at a gateway; returns the raw response."""

    def sign_in(gw, username="admin", password=ADMIN_PASSWORD):
        return gw.client.post(
            "/api/v1/auth/token", json={"username": username, "password": password}
        )

    return sign_in


@pytest.fixture
def bearer(login):
    """Authorization headers of a signed-in user."""

    def headers(gw, username="admin", password=ADMIN_PASSWORD):
        response = login(gw, username, password)
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['access_token']}"}

    return headers


@pytest.fixture
def routed_gateway(stub_service, make_gateway):
    """A gateway whose leads service is the stub (serving ``leads``); the others serve nothing.

    Every service answers ``/routes.json`` (the others from a path of their
    own on the same stub), so the gateway's routing table is complete.
    """
    from flask import jsonify

    from crm_shared.config import DEFAULT_PORTS, env_prefix

    app, url = stub_service
    declared = {"leads": ["leads"]}

    @app.get("/routes.json")
    def leads_routes():
        return jsonify(service="leads", resources=declared["leads"])

    @app.get("/<name>/routes.json")
    def other_routes(name):
        return jsonify(service=name, resources=declared.get(name, []))

    @app.get("/readyz")
    @app.get("/<name>/readyz")
    def ready(name="leads"):
        return jsonify(status="ready")

    def make(**environ):
        urls = {
            f"{env_prefix(name)}_URL": url if name == "leads" else f"{url}/{name}"
            for name in DEFAULT_PORTS
            if name != "gateway"
        }
        return make_gateway(**{**urls, "CRM_PROXY_RETRY_SECONDS": "0.5", **environ})

    make.app, make.url, make.declared = app, url, declared
    return make


class Clock:
    """The time sign-in throttling sees; moved by the test."""

    def __init__(self) -> None:
        from crm_shared.db import utcnow

        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Sign-in attempts happen at ``clock.now`` (``clock.advance`` moves it)."""
    clock = Clock()
    monkeypatch.setattr("crm_gateway.accounts.utcnow", clock)
    return clock
