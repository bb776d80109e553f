"""Test support every service uses (a pytest plugin, loaded automatically).

- ``tokens``: a signing key and a factory for access tokens like the gateway's;
- ``harness``: a service app on an SQLite file with the in-memory bus, its
  outbox readable and its handlers callable, for service-level tests;
- ``pg_url`` / ``amqp_url``: real PostgreSQL and RabbitMQ for integration
  tests: testcontainers when a Docker engine answers, otherwise the servers
  named by ``CRM_TEST_DATABASE_URL`` / ``CRM_TEST_BROKER_URL`` (default: the
  local ones). Under ``CI=true`` an unreachable server fails the run instead
  of skipping.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import create_engine, select, text

from .auth import TokenVerifier
from .config import Env, Settings
from .events import Event, new_event
from .service import ServiceSpec
from .tables import outbox

ISSUER = "crm-gateway"
AUDIENCE = "crm"


def in_ci() -> bool:
    """True when running under CI, where servers must be present."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def unavailable(what: str, why: object) -> None:
    """Fail under CI, skip elsewhere, when a server a test needs is missing."""
    message = f"{what} is not reachable: {why}"
    if in_ci():
        pytest.fail(message + " (CI=true: integration tests must run)", pytrace=False)
    pytest.skip(message)


def docker_engine() -> bool:
    """True when a Docker engine answers (testcontainers can start servers)."""
    if os.environ.get("CRM_TEST_NO_DOCKER"):
        return False
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


class TokenFactory:
    """Signs tokens the way the gateway does, with a key made for the test run."""

    def __init__(self) -> None:
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self.private_key.public_key()
        self.issuer = ISSUER
        self.audience = AUDIENCE

    def token(
        self,
        *,
        user_id: uuid.UUID | str | None = None,
        roles: tuple[str, ...] | list[str] = ("rep",),
        team_id: uuid.UUID | str | None = None,
        username: str = "tester",
        ttl: int = 900,
        **overrides: Any,
    ) -> str:
        """A signed access token; ``overrides`` replace claims (to forge bad ones)."""
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": str(user_id or uuid.uuid4()),
            "username": username,
            "roles": list(roles),
            "team_id": str(team_id) if team_id else None,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
        }
        claims.update(overrides)
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def headers(self, **kwargs: Any) -> dict[str, str]:
        """An Authorization header for :meth:`token`."""
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}

    def verifier(self) -> TokenVerifier:
        """A verifier that trusts this factory's key."""
        return TokenVerifier.from_keys(
            [(self.kid, self.public_key)], issuer=self.issuer, audience=self.audience
        )

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


class User:
    """A test caller: an id, a team and roles, with headers ready to send."""

    def __init__(
        self,
        tokens: TokenFactory,
        roles: tuple[str, ...] = ("rep",),
        team_id: uuid.UUID | None = None,
        username: str | None = None,
    ) -> None:
        self.id = uuid.uuid4()
        self.team_id = team_id
        self.roles = roles
        self.username = username or f"user-{self.id.hex[:6]}"
        self.headers = tokens.headers(
            user_id=self.id, roles=roles, team_id=team_id, username=self.username
        )


_templates: dict[str, Path] = {}
_template_dir: Path | None = None


def _migrated_template(spec: ServiceSpec) -> Path:
    # Migrating once per run and copying the file keeps each test's fresh
    # database cheap while still testing the real migrations.
    global _template_dir
    if spec.name not in _templates:
        from .migrations import upgrade

        if _template_dir is None:
            _template_dir = Path(tempfile.mkdtemp(prefix="crm-templates-"))
        path = _template_dir / f"{spec.name}.db"
        upgrade(spec, f"sqlite:///{path}")
        _templates[spec.name] = path
    return _templates[spec.name]


class ServiceHarness:
    """One service app under test, with its outbox and handlers at hand."""

    def __init__(
        self,
        spec: ServiceSpec,
        tokens: TokenFactory,
        *,
        database_url: str,
        broker_url: str = "memory://",
        namespace: str = "",
        environ: dict[str, str] | None = None,
    ) -> None:
        from .web import create_service_app
        from .worker import Worker

        self.spec = spec
        self.tokens = tokens
        extra = spec.extra_settings(Env(environ or {})) if spec.extra_settings else {}
        self.settings = Settings(
            service=spec.name,
            database_url=database_url,
            broker_url=broker_url,
            jwks_url="file:///dev/null",
            jwt_issuer=tokens.issuer,
            jwt_audience=tokens.audience,
            bus_namespace=namespace or f"t{uuid.uuid4().hex[:10]}",
            delivery_limit=3,
            extra=extra,
        )
        self.app = create_service_app(spec, self.settings, verifier=tokens.verifier())
        self.app.testing = True
        self.client = self.app.test_client()
        self.db = self.app.extensions["crm"].db
        if spec.bootstrap is not None:
            spec.bootstrap(self.db, self.settings)
        self.worker = Worker(spec, self.settings)

    def user(self, *roles: str, team_id: uuid.UUID | None = None) -> User:
        """A caller with ``roles`` (default: a rep)."""
        return User(self.tokens, roles or ("rep",), team_id)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Envelopes in the outbox, oldest first, optionally of one type."""
        statement = select(outbox.c.envelope).order_by(outbox.c.seq)
        if event_type:
            statement = statement.where(outbox.c.event_type == event_type)
        with self.db.engine.connect() as conn:
            return [row[0] for row in conn.execute(statement)]

    def deliver(self, event: Event) -> bool:
        """Hand an event to the service's handler as the worker would; True if it ran."""
        return self.worker.process(event)

    def event(self, event_type: str, data: dict[str, Any], **kwargs: Any) -> Event:
        """An event of another service, checked against its contract."""
        return new_event(event_type, data, source=kwargs.pop("source", "test"), **kwargs)

    def run_job(self, name: str) -> Any:
        """Run one of the service's scheduled jobs now."""
        for job in self.worker.jobs:
            if job.name == name:
                return job.run(self.db, self.settings)
        raise KeyError(name)

    def close(self) -> None:
        """Release connections."""
        self.db.dispose()
        self.worker.db.dispose()


@pytest.fixture
def stub_service() -> Iterator[tuple[Any, str]]:
    """A stand-in for another service: a Flask app on a real port, and its URL."""
    import threading

    from flask import Flask
    from werkzeug.serving import make_server

    app = Flask("stub")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    """The test run's token signer."""
    return TokenFactory()


@pytest.fixture
def harness_factory(
    tokens: TokenFactory, tmp_path: Path
) -> Iterator[Callable[..., ServiceHarness]]:
    """Build a :class:`ServiceHarness` on a fresh copy of the migrated SQLite schema."""
    made: list[ServiceHarness] = []

    def make(spec: ServiceSpec, **kwargs: Any) -> ServiceHarness:
        if "database_url" not in kwargs:
            path = tmp_path / f"{spec.name}-{len(made)}.db"
            shutil.copy(_migrated_template(spec), path)
            kwargs["database_url"] = f"sqlite:///{path}"
        else:
            from .migrations import upgrade

            upgrade(spec, kwargs["database_url"])
        harness = ServiceHarness(spec, tokens, **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


def _reachable_pg(url: str) -> None:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database (``postgres``)."""
    container = None
    if docker_engine():
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver="psycopg").start()
        url = container.get_connection_url()
    else:
        url = os.environ.get(
            "CRM_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    try:
        _reachable_pg(url)
    except Exception as exc:
        unavailable("PostgreSQL", exc)
    yield url
    if container is not None:
        container.stop()


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[Callable[[str], str]]:
    """Factory of fresh, uniquely named PostgreSQL databases, dropped afterwards."""
    from sqlalchemy.engine import make_url

    from .db import drop_database, ensure_database

    created: list[str] = []

    def make(label: str = "svc") -> str:
        name = f"crm_test_{label.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        ensure_database(url)
        created.append(url)
        return url

    yield make
    for url in created:
        with suppress(Exception):
            drop_database(url)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """URL of a RabbitMQ broker."""
    container = None
    if docker_engine():
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-alpine").start()
        params = container.get_connection_params()
        url = f"amqp://guest:guest@{params.host}:{params.port}//"
    else:
        url = os.environ.get("CRM_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    from .bus import connect

    try:
        with connect(url) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        unavailable("RabbitMQ", exc)
    yield url
    if container is not None:
        container.stop()


def delete_namespace(url: str, namespace: str, services: list[str]) -> None:
    """Remove a test namespace's queues and exchanges from the broker."""
    from .bus import Topology, connect

    topology = Topology(namespace)
    with connect(url) as conn:
        for service in services:
            for name in (f"{service}.events", f"{service}.dead"):
                with suppress(Exception):
                    conn.channel().queue_delete(topology.name(name))
        for exchange in ("crm.events", "crm.dead"):
            with suppress(Exception):
                conn.channel().exchange_delete(topology.name(exchange))


@pytest.fixture
def bus_namespace(amqp_url: str) -> Iterator[str]:
    """A namespace of its own on the real broker, deleted after the test."""
    from .service import discover

    namespace = f"test-{uuid.uuid4().hex[:10]}"
    yield namespace
    services = sorted(set(discover()) | {"probe"})
    delete_namespace(amqp_url, namespace, services)


class TcpProxy:
    """A TCP forwarder a test can cut, to play a broker or database outage.

    While down, new connections are refused and open ones are dropped; the
    real server behind it is never touched, so other tests keep using it.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        import socket
        import threading

        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._up = threading.Event()
        self._up.set()
        self._open: list[Any] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: Any, sink: Any) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.close()

    def down(self) -> None:
        """Refuse new connections and cut the open ones."""
        import socket

        self._up.clear()
        with self._lock:
            for sock in self._open:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with suppress(OSError):
                    sock.close()
            self._open.clear()

    def up(self) -> None:
        """Accept connections again."""
        self._up.set()

    def close(self) -> None:
        """Stop listening."""
        self.down()
        self._listener.close()


@pytest.fixture
def api_headers(svc: ServiceHarness) -> dict[str, str]:
    """Who calls the API in conformance tests: an admin, who may reach everything."""
    return svc.user("admin").headers


def openapi_conformance_test(max_examples: int = 12) -> Callable[..., None]:
    """A test sending schemathesis-generated requests to every documented operation.

    Valid and invalid requests go to each operation of the service's own
    OpenAPI document; every response must be no server error, carry a
    documented status, content type and headers, and match its documented
    schema, and requests that break the schema must be refused. A service's
    test module adopts it with ``test_openapi = openapi_conformance_test()``.
    """
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi import checks as oas

    chosen = [
        schemathesis.checks.not_a_server_error,
        oas.status_code_conformance,
        oas.content_type_conformance,
        oas.response_schema_conformance,
        oas.response_headers_conformance,
        oas.negative_data_rejection,
    ]

    def test_openapi(svc: ServiceHarness, api_headers: dict[str, str]) -> None:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", svc.app)
        failures: list[str] = []
        operations = [result.ok() for result in schema.get_all_operations()]
        assert operations, "the service documents no operations"
        for operation in operations:
            for mode in GenerationMode:

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=max_examples,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    database=None,
                )
                def exercise(case: Any) -> None:
                    case.call_and_validate(headers=api_headers, checks=chosen)

                try:
                    exercise()
                except Unsatisfiable:
                    continue  # nothing to break: the operation takes no input
                except Exception as exc:
                    failures.append(f"{operation.label} [{mode.value}]: {exc}")
        assert not failures, "\n\n".join(failures)

    return test_openapi


def with_database(settings: Settings, url: str) -> Settings:
    """``settings`` pointing at another database."""
    return replace(settings, database_url=url)
