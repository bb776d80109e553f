"""Real PostgreSQL and RabbitMQ for integration tests, and what tests leave on them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress

import pytest
from sqlalchemy import create_engine, text


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

    from ..db import drop_database, ensure_database

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
    from ..bus import connect

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
    from ..bus import Topology, connect

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
    from ..service import discover

    namespace = f"test-{uuid.uuid4().hex[:10]}"
    yield namespace
    services = sorted(set(discover()) | {"probe"})
    delete_namespace(amqp_url, namespace, services)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the kernel's pick), for a server a test starts."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
