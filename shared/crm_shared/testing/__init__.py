"""Test support every service uses (a pytest plugin, loaded automatically).

- ``tokens``: a signing key and a factory for access tokens like the gateway's
  (:mod:`.tokens`);
- ``harness_factory``: a service app on an SQLite file with the in-memory bus,
  its outbox readable and its handlers callable, for service-level tests
  (:mod:`.harness`); :mod:`.ordering` replays events shuffled and repeated;
- ``pg_url`` / ``pg_database`` / ``amqp_url`` / ``bus_namespace``: real
  PostgreSQL and RabbitMQ for integration tests: testcontainers when a Docker
  engine answers, otherwise the servers named by ``CRM_TEST_DATABASE_URL`` /
  ``CRM_TEST_BROKER_URL`` (default: the local ones). Under ``CI=true`` an
  unreachable server fails the run instead of skipping (:mod:`.servers`);
- :class:`TcpProxy`: a forwarder a test cuts to play an outage (:mod:`.faults`);
- :func:`openapi_conformance_test` (:mod:`.conformance`);
- ``smtp_sink``: a real local SMTP server keeping what it receives (:mod:`.smtp`).
"""

from __future__ import annotations

from .conformance import api_headers, openapi_conformance_test
from .faults import TcpProxy
from .harness import ServiceHarness, harness_factory, stub_service, tokens, with_database
from .ordering import OrderCheck, check_order_independence
from .servers import (
    amqp_url,
    bus_namespace,
    delete_namespace,
    docker_engine,
    free_port,
    in_ci,
    pg_database,
    pg_url,
    unavailable,
)
from .smtp import SmtpSink, smtp_sink
from .tokens import AUDIENCE, ISSUER, TokenFactory, User

__all__ = [
    "AUDIENCE",
    "ISSUER",
    "OrderCheck",
    "ServiceHarness",
    "SmtpSink",
    "TcpProxy",
    "TokenFactory",
    "User",
    "amqp_url",
    "api_headers",
    "bus_namespace",
    "check_order_independence",
    "delete_namespace",
    "docker_engine",
    "free_port",
    "harness_factory",
    "in_ci",
    "openapi_conformance_test",
    "pg_database",
    "pg_url",
    "smtp_sink",
    "stub_service",
    "tokens",
    "unavailable",
    "with_database",
]
