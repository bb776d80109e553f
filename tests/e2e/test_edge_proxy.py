"""The nginx edge in front of a running system: API paths straight to their service,
sign-in and API keys through the gateway, the gateway's path rules and problem answers
kept, and the committed Kubernetes Ingress routing what the services really serve."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from crm_shared.config import DEFAULT_PORTS, Env, env_prefix
from crm_shared.testing import free_port

from .conftest import ADMIN_PASSWORD, PORT_OFFSET, System

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _system_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    for name, port in DEFAULT_PORTS.items():
        env[f"{env_prefix(name)}_URL"] = f"http://127.0.0.1:{port + PORT_OFFSET}"
    return env


def _gateway_requests(system: System) -> float:
    text = requests.get(system.base_url + "/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "crm_http_requests_total" and sample.labels.get("service") == "gateway"
    )


@pytest.fixture(scope="module")
def edge(system: System, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if system.mode != "processes":
        pytest.skip("the edge fronts separate processes, as `make up` and a cluster run them")
    if NGINX is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is missing: `make install` installs it with apt")
        pytest.skip("nginx is not installed (make install installs it with apt)")
    workdir = tmp_path_factory.mktemp("edge-nginx")
    port = free_port()
    subprocess.run(
        [sys.executable, "-m", "crm_gateway.edge_config", "--standalone", str(workdir),
         "--listen", f"127.0.0.1:{port}", "--wait", "120"],
        env=_system_env(), check=True, capture_output=True,
    )  # fmt: skip
    conf = workdir / "nginx.conf"
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(workdir), "-c", str(conf)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(url + "/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_api_paths_go_straight_to_their_service_and_sign_in_to_the_gateway(edge, system):
    signed_in = requests.post(
        edge + "/api/v1/auth/token",
        json={"username": "admin", "password": ADMIN_PASSWORD},
        timeout=30,
    )
    assert signed_in.status_code == 200, signed_in.text
    auth = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    before = _gateway_requests(system)
    email = f"edge-{uuid.uuid4().hex[:8]}@example.com"
    captured = requests.post(
        edge + "/api/v1/leads", json={"name": "经 nginx 来的线索", "email": email},
        headers=auth, timeout=30,
    )  # fmt: skip
    assert captured.status_code == 201, captured.text
    found = requests.get(edge + "/api/v1/leads", params={"q": email}, headers=auth, timeout=30)
    assert [lead["name"] for lead in found.json()["items"]] == ["经 nginx 来的线索"]
    assert _gateway_requests(system) == before, "the capture did not pass the gateway"


def test_an_api_key_passes_the_gateway_which_swaps_it_for_a_token(edge, system):
    admin = system.token("admin", ADMIN_PASSWORD)
    created = system.call(
        "POST",
        "/api/v1/api-keys",
        admin,
        json={"name": f"Edge ERP {uuid.uuid4().hex[:4]}", "role": "rep", "resources": ["leads"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    before = _gateway_requests(system)
    listed = requests.get(edge + "/api/v1/leads", headers={"X-Api-Key": key}, timeout=30)
    assert listed.status_code == 200, listed.text
    by_scheme = requests.get(
        edge + "/api/v1/leads", headers={"Authorization": f"ApiKey {key}"}, timeout=30
    )
    assert by_scheme.status_code == 200, by_scheme.text
    assert _gateway_requests(system) >= before + 2


@pytest.mark.parametrize(
    "path",
    ["/api/v1/leads/..%2f..%2fhealthz", "/api/v1/leads/../../healthz", "/api/v1//leads"],
)
def test_paths_the_gateway_refuses_are_refused_at_the_edge_as_problems(edge, path):
    with socket.create_connection(("127.0.0.1", int(edge.rsplit(":", 1)[1])), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head
    assert b"application/problem+json" in head
    assert b'"status":400' in body


def test_the_edges_own_refusals_are_problem_details(edge):
    too_long = requests.get(edge + "/api/v1/leads?q=" + "a" * 70_000, timeout=30)
    assert too_long.status_code == 414
    assert too_long.headers["Content-Type"].startswith("application/problem+json")
    assert too_long.json()["status"] == 414
    big_header = requests.get(edge + "/api/v1/leads", headers={"X-Big": "b" * 20_000}, timeout=30)
    assert big_header.status_code == 431
    assert big_header.json()["title"] == "Request Header Fields Too Large"
    unknown = requests.get(edge + "/api/v1/no-such-resource", timeout=30)
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"].startswith("application/problem+json")


def test_the_committed_ingress_routes_what_the_services_serve(system):
    from crm_gateway.edge_config import current_routes, ingress_yaml

    routes, _urls, own, _gateway = current_routes(Env(_system_env()), wait=120)
    committed = (ROOT / "deploy" / "k8s" / "ingress.yaml").read_text()
    assert committed == ingress_yaml(routes, own), (
        "deploy/k8s/ingress.yaml is stale: run `python -m crm_gateway.edge_config --ingress`"
    )
