"""The edge as real processes: leads and the gateway under gunicorn.

Bodies over a route's limit are refused (413) whether declared or chunked,
directly or through the gateway, and nothing is stored; a body just under
the limit arrives whole; a large body without a token is refused before it
is sent; a stopped web process finishes its in-flight request; restarting
the leads service under a steady loop of requests through the gateway
gives no 502; only plain /api/v1/ paths are forwarded; the gateway serves
its signing keys while every one of its threads waits on a slow service.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from crm_shared.config import DEFAULT_PORTS, env_prefix
from crm_shared.runner import GUNICORN_WORKER
from crm_shared.tables import import_jobs

# Ports of their own: the session's systems keep theirs while this module runs.
PORT_OFFSET = int(os.environ.get("CRM_E2E_PORT_OFFSET", "10000")) + 700
GATEWAY_PORT = DEFAULT_PORTS["gateway"] + PORT_OFFSET
LEADS_PORT = DEFAULT_PORTS["leads"] + PORT_OFFSET
KEYS_PORT = GATEWAY_PORT + 99
GATEWAY_THREADS = 4
ADMIN_PASSWORD = "edge-admin-password"
IMPORT_LIMIT = 2 * 1024 * 1024
PYTHON = sys.executable


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become ready")


class SlowService:
    """Stands in for opportunities: ``/api/v1/slowpoke`` holds each call until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.release.set()
        self.held = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if self.path.startswith("/api/v1/slowpoke"):
                    with outer._lock:
                        outer.held += 1
                    outer.release.wait(120)
                    with outer._lock:
                        outer.held -= 1
                    body: dict = {"items": []}
                elif self.path == "/routes.json":
                    body = {"service": "opportunities", "resources": ["slowpoke"]}
                else:
                    body = {"status": "ok"}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


class Edge:
    """leads and the gateway as gunicorn processes on SQLite."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.slow = SlowService()
        self.env = {k: v for k, v in os.environ.items() if not (k.startswith("CRM_") and k != "CI")}
        self.env.update(
            {
                "CRM_BROKER_URL": "memory://",
                "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
                # As crm-up, compose and the cluster run it: keys on a listener of their own.
                "CRM_GATEWAY_KEYS_BIND": f"127.0.0.1:{KEYS_PORT}",
                "CRM_JWKS_URL": f"http://127.0.0.1:{KEYS_PORT}/jwks.json",
                "CRM_LEADS_MAX_IMPORT_BYTES": str(IMPORT_LIMIT),
                "CRM_LEADS_TRUSTED_PROXIES": "127.0.0.1",
                "CRM_PROXY_RETRY_SECONDS": "10",
                "CRM_LOG_LEVEL": "WARNING",
            }
        )
        for name, port in DEFAULT_PORTS.items():
            prefix = env_prefix(name)
            self.env[f"{prefix}_DATABASE_URL"] = f"sqlite:///{workdir / (name + '.db')}"
            if name != "gateway":
                self.env[f"{prefix}_URL"] = f"http://127.0.0.1:{port + PORT_OFFSET}"
        self.env["CRM_OPPORTUNITIES_URL"] = self.slow.url
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        for module in ("leads", "crm_gateway"):
            subprocess.run(
                [PYTHON, "-m", module, "migrate"], env=self.env, check=True, capture_output=True
            )

    def start(self, name: str) -> None:
        module, port = ("leads", LEADS_PORT) if name == "leads" else ("crm_gateway", GATEWAY_PORT)
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - kept by the process
        self.processes[name] = subprocess.Popen(
            [
                PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                "--worker-class", GUNICORN_WORKER, "--threads", str(GATEWAY_THREADS),
                "--graceful-timeout", "10",
                f"{module}.app:create_app()",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        _wait(f"http://127.0.0.1:{port}/healthz")

    def stop(self, name: str, sig: int = signal.SIGTERM) -> subprocess.Popen[bytes]:
        process = self.processes.pop(name)
        process.send_signal(sig)
        return process

    def close(self) -> None:
        self.slow.close()
        for name in list(self.processes):
            process = self.stop(name)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def token(self) -> str:
        answer = requests.post(
            f"http://127.0.0.1:{GATEWAY_PORT}/api/v1/auth/token",
            json={"username": "admin", "password": ADMIN_PASSWORD},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def import_jobs(self) -> int:
        engine = create_engine(self.env["CRM_LEADS_DATABASE_URL"])
        try:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(import_jobs)).scalar())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    system = Edge(tmp_path_factory.mktemp("edge"))
    try:
        system.start("gateway")
        system.start("leads")
        yield system
    finally:
        system.close()


def _csv(size: int) -> tuple[bytes, int]:
    lines = ["name,email"]
    total = 0
    rows = 0
    while total < size:
        line = f"Lead {rows},lead{rows}@example.com"
        lines.append(line)
        total += len(line) + 1
        rows += 1
    return ("\n".join(lines) + "\n").encode(), rows


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 256 * 1024):
        yield data[start : start + 256 * 1024]


@pytest.mark.parametrize("via", ["direct", "gateway"])
@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_over_limit_body_is_refused_never_truncated(edge: Edge, via: str, framing: str):
    token = edge.token()
    port = LEADS_PORT if via == "direct" else GATEWAY_PORT
    before = edge.import_jobs()
    big, _ = _csv(IMPORT_LIMIT + 300_000)
    body = big if framing == "content-length" else _chunks(big)
    try:
        answer = requests.post(
            f"http://127.0.0.1:{port}/api/v1/leads/imports",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
            timeout=60,
        )
    except requests.ConnectionError:
        answer = None  # the server may stop reading: refused either way, never accepted
    if answer is not None:
        assert answer.status_code == 413, answer.text[:500]
        assert answer.headers["Content-Type"] == "application/problem+json"
    assert edge.import_jobs() == before


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_under_the_limit_arrives_whole_through_the_gateway(edge: Edge, framing: str):
    token = edge.token()
    data, rows = _csv(IMPORT_LIMIT - 200_000)  # above the gateway's inline size: streamed
    answer = requests.post(
        f"http://127.0.0.1:{GATEWAY_PORT}/api/v1/leads/imports",
        data=data if framing == "content-length" else _chunks(data),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        timeout=60,
    )
    assert answer.status_code == 202, answer.text[:500]
    assert answer.json()["total"] == rows


def _raw(port: int, head: bytes, body_part: bytes = b"", timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head + body_part)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = conn.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_a_large_body_without_a_token_is_refused_before_it_is_sent(edge: Edge):
    for framing in (b"Content-Length: 50000000", b"Transfer-Encoding: chunked"):
        head = (
            b"POST /api/v1/leads/imports HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
            + framing
            + b"\r\n\r\n"
        )
        started = time.monotonic()
        answer = _raw(GATEWAY_PORT, head, b"name,email\n" if b"Length" in framing else b"")
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        assert b"application/problem+json" in answer
        assert time.monotonic() - started < 5  # answered without the body


def test_only_plain_api_paths_reach_a_service(edge: Edge):
    for path in ("/api/v1/leads/..%2f..%2fhealthz", "/api/v1/leads/../../healthz"):
        conn = http.client.HTTPConnection("127.0.0.1", GATEWAY_PORT, timeout=10)
        conn.request("GET", path)
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 400, (path, body[:200])
        assert answer.getheader("Content-Type") == "application/problem+json"
        conn.close()
    nul = requests.get(f"http://127.0.0.1:{LEADS_PORT}/api/v1/forms/a%00b", timeout=10)
    assert nul.status_code == 422


def test_a_stopped_web_process_finishes_its_in_flight_request(edge: Edge):
    token = edge.token()
    body = b'{"name": "In flight", "email": "inflight@example.com"}'
    head = (
        f"POST /api/v1/leads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", LEADS_PORT), timeout=30) as conn:
        conn.sendall(head + body[:10])
        time.sleep(0.5)  # the worker is now reading this request
        stopped = edge.stop("leads")
        time.sleep(1.0)
        conn.sendall(body[10:])
        answer = conn.recv(65536)
    stopped.wait(30)
    edge.start("leads")
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]


def test_restarting_a_service_under_load_gives_no_502(edge: Edge):
    token = edge.token()
    url = f"http://127.0.0.1:{GATEWAY_PORT}/api/v1/leads?limit=1"
    statuses: list[int] = []
    stop = threading.Event()

    def loop() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                statuses.append(
                    session.get(
                        url, headers={"Authorization": f"Bearer {token}"}, timeout=30
                    ).status_code
                )
            except requests.RequestException:
                statuses.append(-1)

    threads = [threading.Thread(target=loop) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    before = len(statuses)
    old = edge.stop("leads")
    old.wait(30)
    edge.start("leads")
    time.sleep(1.5)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert before > 0 and len(statuses) > before
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}


def test_the_gateway_serves_its_keys_while_every_proxy_thread_is_held(edge: Edge):
    """Services fetching the keys in a burst never wait behind the burst (issue 13 item 28)."""
    token = edge.token()
    slow = edge.slow
    slow.release.clear()
    statuses: list[int] = []

    def call() -> None:
        statuses.append(
            requests.get(
                f"http://127.0.0.1:{GATEWAY_PORT}/api/v1/slowpoke",
                headers={"Authorization": f"Bearer {token}"},
                timeout=180,
            ).status_code
        )

    # More calls than the gateway has threads: the extra ones queue behind the held ones.
    callers = [threading.Thread(target=call) for _ in range(GATEWAY_THREADS + 2)]
    for caller in callers:
        caller.start()
    try:
        deadline = time.monotonic() + 60
        while slow.held < GATEWAY_THREADS and time.monotonic() < deadline:
            time.sleep(0.05)
        assert slow.held == GATEWAY_THREADS, "every gateway thread waits on the slow service"
        keys = requests.get(f"http://127.0.0.1:{KEYS_PORT}/jwks.json", timeout=60)
        health = requests.get(f"http://127.0.0.1:{KEYS_PORT}/healthz", timeout=60)
        assert keys.status_code == 200, keys.text
        assert keys.json()["keys"] and all(k["kid"] for k in keys.json()["keys"])
        assert health.status_code == 200
        assert slow.held == GATEWAY_THREADS and not statuses, "answered while all were held"
        other = requests.get(f"http://127.0.0.1:{KEYS_PORT}/api/v1/leads", timeout=60)
        assert other.status_code == 404, "the keys listener proxies nothing"
        assert other.headers["Content-Type"] == "application/problem+json"
    finally:
        slow.release.set()
        for caller in callers:
            caller.join(180)
    assert statuses == [200] * (GATEWAY_THREADS + 2)


def _exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request; the status, headers and body of the answer (read to close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def _get(path: str, *headers: str) -> bytes:
    extra = "".join(f"{h}\r\n" for h in headers)
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{extra}Connection: close\r\n\r\n".encode()


@pytest.mark.parametrize("port", [GATEWAY_PORT, LEADS_PORT], ids=["gateway", "leads"])
def test_what_gunicorn_refuses_itself_is_a_problem_too(edge: Edge, port: int):
    """414, 431 and unreadable requests, refused before the app, answer as problem details."""
    cases = {
        _get("/api/v1/leads?q=" + "a" * 9000): 414,  # over gunicorn's request line
        _get("/api/v1/leads", "X-Big: " + "b" * 9000): 431,  # one header over its field size
        _get("/api/v1/leads", *(f"X-H{i}: v" for i in range(120))): 431,  # too many headers
        b"NOT A REQUEST LINE\r\n\r\n": 400,
    }
    for request, status in cases.items():
        got, headers, body = _exchange(port, request)
        assert got == status, (request[:60], body[:200])
        assert headers["content-type"] == "application/problem+json", body[:200]
        problem = json.loads(body)
        assert problem["status"] == status and problem["title"] and problem["type"]


@pytest.mark.parametrize("port", [GATEWAY_PORT, LEADS_PORT], ids=["gateway", "leads"])
def test_within_gunicorns_raised_limits_the_app_itself_answers(edge: Edge, port: int):
    token = edge.token()
    auth = f"Authorization: Bearer {token}"
    # Longer than gunicorn's default request line (4,094) but within the API's 8 KiB.
    # The app reads it and names the field (gunicorn's default would refuse the line).
    status, headers, body = _exchange(port, _get("/api/v1/leads?limit=1&q=" + "c" * 6000, auth))
    assert status == 422, body[:300]
    assert [e["field"] for e in json.loads(body)["errors"]] == ["q"]
    # Headers within gunicorn's limits but over the API's 32 KiB: the app's own 431.
    big = [f"X-Pad-{i}: " + "d" * 7000 for i in range(6)]
    status, headers, body = _exchange(port, _get("/api/v1/leads", auth, *big))
    assert status == 431, body[:300]
    assert headers["content-type"] == "application/problem+json"
    assert "32768" in json.loads(body)["detail"]
