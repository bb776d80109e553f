"""A service app on an SQLite file with the in-memory bus, for service-level tests."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ..config import Env, Settings
from ..events import Event, new_event
from ..service import ServiceSpec
from ..tables import outbox
from .tokens import TokenFactory, User

_templates: dict[str, Path] = {}
_template_dir: Path | None = None


def _migrated_template(spec: ServiceSpec) -> Path:
    # Migrating once per run and copying the file keeps each test's fresh
    # database cheap while still testing the real migrations.
    global _template_dir
    if spec.name not in _templates:
        from ..migrations import upgrade

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
        from ..web import create_service_app
        from ..worker import Worker

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
        """Envelopes in the outbox, oldest first, optionally of one type.

        Events a service defers (``ServiceSpec.derive_events``) are derived
        first, as the relay would before its next batch.
        """
        if self.spec.derive_events is not None:
            while self.spec.derive_events(self.db):
                pass
        statement = select(outbox.c.envelope).order_by(outbox.c.seq)
        if event_type:
            statement = statement.where(outbox.c.event_type == event_type)
        with self.db.engine.connect() as conn:
            return [row[0] for row in conn.execute(statement)]

    def deliver(self, event: Event) -> bool:
        """Hand an event to the service's handler as the worker would; True if it ran."""
        return self.worker.process(event)

    def deliver_many(self, events: list[Event]) -> list[Any]:
        """Hand events to the service as one consumer batch; one outcome per event."""
        return self.worker.process_batch(events)

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
            from ..migrations import upgrade

            upgrade(spec, kwargs["database_url"])
        harness = ServiceHarness(spec, tokens, **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


def with_database(settings: Settings, url: str) -> Settings:
    """``settings`` pointing at another database."""
    return replace(settings, database_url=url)
