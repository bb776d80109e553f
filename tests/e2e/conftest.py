"""The whole system as real processes, driven through the gateway.

``system`` starts it in one of the two local modes:

- ``processes``: ``crm-up``, every service, worker and the gateway as its own
  process (gunicorn) on PostgreSQL and RabbitMQ;
- ``embedded``: ``crm-run``, one process on SQLite and the in-memory bus.

Each run gets its own databases, broker namespace and ports, so it never
touches a system a developer has running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.engine import make_url

from crm_shared.config import DEFAULT_PORTS, env_prefix
from crm_shared.db import drop_database
from crm_shared.service import discover
from crm_shared.testing import delete_namespace

ADMIN_PASSWORD = "e2e-admin-password"
# Helpers running e2e tests side by side set CRM_E2E_PORT_OFFSET to keep apart.
PORT_OFFSET = int(os.environ.get("CRM_E2E_PORT_OFFSET", "10000"))
BIN = Path(sys.executable).parent


class System:
    """A running CRM and a client for it."""

    def __init__(
        self,
        base_url: str,
        log: Path,
        trace_file: Path,
        databases: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.log = log
        self.trace_file = trace_file
        self.mode = "processes"  # or "embedded" (crm-run)
        self.databases = databases or {}
        self.http = requests.Session()

    def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(
            method, self.base_url + path, headers=headers, timeout=30, **kwargs
        )

    def token(self, username: str, password: str) -> str:
        response = self.call(
            "POST", "/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def spans(self) -> list[dict[str, Any]]:
        if not self.trace_file.exists():
            return []
        found = []
        for line in self.trace_file.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line still being written
        return found

    def published(self, service: str, event_type: str) -> list[dict[str, Any]]:
        """Envelopes of ``event_type`` the service's outbox relay has put on the bus
        (what a notifier consuming it receives), oldest first."""
        from sqlalchemy import create_engine, select
        from sqlalchemy.pool import NullPool

        from crm_shared.tables import outbox

        engine = create_engine(self.databases[service], poolclass=NullPool)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    select(outbox.c.envelope)
                    .where(outbox.c.event_type == event_type, outbox.c.published_at.is_not(None))
                    .order_by(outbox.c.seq)
                ).all()
        finally:
            engine.dispose()
        return [row.envelope for row in rows]


def eventually(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy without raising."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (AssertionError, KeyError, IndexError, requests.RequestException) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; last error: {last!r}")


def _ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_ready(process: subprocess.Popen[bytes], urls: list[str], log: Path) -> None:
    # Generous: under make test a second system and the other layers share the two cores.
    deadline = time.monotonic() + 240
    pending = list(urls)
    while pending and time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the system exited early:\n{log.read_text()[-5000:]}")
        pending = [u for u in pending if not _ready(u)]
        time.sleep(0.3)
    if pending:
        _stop(process)
        raise AssertionError(f"not ready: {pending}\n{log.read_text()[-5000:]}")


@pytest.fixture(scope="session", params=["processes", "embedded"])
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """One running system per mode for the whole run: each start costs tens of seconds."""
    yield from _running(request, tmp_path_factory, request.param)


@pytest.fixture(scope="module", params=["processes", "embedded"])
def fresh_system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    """A system of the module's own, for tests about what a just-started process does."""
    # It runs beside the session's system: small pools keep both under the server's limit.
    small = {"CRM_WEB_DB_POOL_SIZE": "1", "CRM_WORKER_DB_POOL_SIZE": "1"}
    yield from _running(request, tmp_path_factory, request.param, offset=500, extra=small)


def _running(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    mode: str,
    offset: int = 0,
    extra: dict[str, str] | None = None,
) -> Iterator[System]:
    workdir = tmp_path_factory.mktemp(f"e2e-{mode}")
    specs = discover()
    env = {
        **os.environ,
        "CRM_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CRM_TRACE_FILE": str(workdir / "spans.jsonl"),
        "CRM_LOG_LEVEL": "INFO",
        "CRM_LOG_FORMAT": "json",
        # The suite shares two cores with the other layers: a capture waiting
        # half a second for a thread is normal here, not overload to shed.
        "CRM_LEADS_MAX_QUEUE_MS": "0",
        **(extra or {}),
    }
    for key in list(env):
        if (
            key.endswith(("_DATABASE_URL", "_URL", "_PORT"))
            and key.startswith("CRM_")
            and key != "CRM_TRACE_FILE"
        ):
            del env[key]
    databases: list[str] = []
    namespace = None
    if mode == "processes":
        pg_url = request.getfixturevalue("pg_url")
        amqp_url = request.getfixturevalue("amqp_url")
        run = uuid.uuid4().hex[:8]
        for spec in specs.values():
            url = make_url(pg_url).set(database=f"crm_e2e_{run}_{spec.name.replace('-', '_')}")
            rendered = url.render_as_string(hide_password=False)
            env[f"{env_prefix(spec.name)}_DATABASE_URL"] = rendered
            databases.append(rendered)
        namespace = f"e2e-{run}"
        env["CRM_BUS_NAMESPACE"] = namespace
        env["CRM_BROKER_URL"] = amqp_url
        env["CRM_WEB_WORKERS"] = "1"
        env["CRM_WEB_THREADS"] = "4"
        command = [
            str(BIN / "crm-up"),
            "--port-offset",
            str(PORT_OFFSET + offset),
            "--data-dir",
            str(workdir),
        ]
    else:
        command = [
            str(BIN / "crm-run"),
            "--port-offset",
            str(PORT_OFFSET + offset),
            "--data-dir",
            str(workdir),
        ]
    # Where each service keeps its data (the embedded runner's SQLite files).
    by_service = (
        dict(zip([spec.name for spec in specs.values()], databases, strict=True))
        if mode == "processes"
        else {spec.name: f"sqlite:///{workdir / (spec.name + '.db')}" for spec in specs.values()}
    )
    log = workdir / "system.log"
    process = _start(command, env, log)
    ports = {name: port + PORT_OFFSET + offset for name, port in DEFAULT_PORTS.items()}
    urls = [f"http://127.0.0.1:{port}/readyz" for port in ports.values()]
    if mode == "processes":
        urls += [
            f"http://127.0.0.1:{port + 100}/readyz"
            for name, port in ports.items()
            if name != "gateway"
        ]
    try:
        _wait_until_ready(process, urls, log)
        running = System(
            f"http://127.0.0.1:{ports['gateway']}", log, workdir / "spans.jsonl", by_service
        )
        running.mode = mode
        yield running
    finally:
        _stop(process)
        for url in databases:
            drop_database(url)
        if namespace:
            delete_namespace(env["CRM_BROKER_URL"], namespace, sorted(specs))
