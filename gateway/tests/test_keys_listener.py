"""The keys listener serves the same key set as the gateway's API, and nothing else."""

from __future__ import annotations

import pytest
import requests

from crm_gateway import keys_listener


@pytest.fixture
def listener(gw):
    server = keys_listener.start(gw.app.extensions["crm.keyring"], "127.0.0.1:0")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_listener_serves_the_gateways_key_set(gw, listener):
    expected = gw.client.get("/api/v1/auth/jwks.json").json
    for path in ("/jwks.json", "/api/v1/auth/jwks.json", "/.well-known/jwks.json"):
        answer = requests.get(listener + path, timeout=10)
        assert answer.status_code == 200
        assert answer.json() == expected and expected["keys"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(listener + "/healthz", timeout=10).json() == {"status": "ok"}


def test_anything_else_is_a_404_problem(listener):
    answer = requests.get(listener + "/api/v1/leads", timeout=10)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 404


@pytest.mark.parametrize("bind", ["8099", "host:", "host:port", "h:70000"])
def test_a_malformed_bind_is_refused(bind):
    with pytest.raises(ValueError, match="host:port"):
        keys_listener.parse_bind(bind)


def test_a_bind_names_host_and_port():
    assert keys_listener.parse_bind("0.0.0.0:8099") == ("0.0.0.0", 8099)
    assert keys_listener.parse_bind("[::1]:8099") == ("::1", 8099)
    assert keys_listener.parse_bind(":8099") == ("0.0.0.0", 8099)
