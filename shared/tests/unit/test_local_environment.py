"""The local runners' environment: what crm-up and crm-run hand each process."""

from __future__ import annotations

from pathlib import Path

from crm_shared.client_address import trusted_proxies_from_env
from crm_shared.runner import local_environment
from crm_shared.service import discover

SPECS = discover()


def test_crm_up_serves_the_gateways_keys_on_their_own_listener():
    env = local_environment(
        SPECS, embedded=False, data_dir=Path("var"), port_offset=300, environ={}
    )
    assert env["CRM_GATEWAY_PORT"] == "8300"
    assert env["CRM_GATEWAY_KEYS_BIND"] == "127.0.0.1:8399"
    assert env["CRM_JWKS_URL"] == "http://127.0.0.1:8399/jwks.json"


def test_crm_run_has_no_gunicorn_threads_to_wait_behind():
    env = local_environment(SPECS, embedded=True, data_dir=Path("var"), environ={})
    assert "CRM_GATEWAY_KEYS_BIND" not in env
    assert env["CRM_JWKS_URL"] == "http://127.0.0.1:8000/api/v1/auth/jwks.json"


def test_services_behind_the_local_gateway_see_the_client_it_saw():
    env = local_environment(SPECS, embedded=False, data_dir=Path("var"), environ={})
    for name in SPECS:
        if name == "gateway":
            continue
        proxies = trusted_proxies_from_env(name, env)
        assert proxies.client("127.0.0.1", "203.0.113.9") == "203.0.113.9", name
