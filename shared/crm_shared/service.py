"""What a service declares about itself, so shared mechanisms can run it.

A service exposes one :class:`ServiceSpec` (and lists it under the
``crm.services`` entry point). The web app factory, the worker, the
migration command and the local runners all read it; nothing in ``shared``
imports a service by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Blueprint

    from .config import Env, Settings
    from .db import Database
    from .inbox import Handler


@dataclass(frozen=True)
class Job:
    """A task the worker runs every ``every_seconds``, once across all workers."""

    name: str
    every_seconds: float
    run: Callable[[Database, Settings], Any]


@dataclass(frozen=True)
class ServiceSpec:
    """A service's parts: tables, routes, event handlers, jobs and defaults."""

    name: str
    import_name: str
    title: str
    metadata: MetaData
    blueprints: Callable[[], Iterable[Blueprint]]
    port: int
    version: str = "1.0.0"
    handlers: Callable[[], Mapping[str, Handler]] = dict
    jobs: Callable[[], Iterable[Job]] = tuple
    extra_settings: Callable[[Env], dict[str, Any]] | None = None
    init_app: Callable[[Flask], None] | None = None
    # Run after migrations (by ``migrate`` and the local runners): seed data
    # a fresh install needs, such as the gateway's first admin.
    bootstrap: Callable[[Database, Settings], None] | None = None
    publishes: tuple[str, ...] = field(default_factory=tuple)
    # Run the jobs in a worker process of their own under crm-up and compose:
    # a heavy job (a lead import) would otherwise share one interpreter lock
    # with the relay and the consumer.
    jobs_apart: bool = False
    # Keep a copy of the gateway's users and teams (crm_shared.directory).
    # Only the gateway, which owns the originals, turns it off.
    keeps_directory: bool = True
    # Serves the shared approvals API (crm_shared.approvals) at
    # /api/v1/<name>/approvals; the gateway's inbox asks every such service.
    approvals: bool = False
    # Turns rows that are their own outbox entry (a captured lead) into outbox
    # rows; the relay runs it before each batch. Returns how many it derived
    # (one batch at most: callers wanting all call it until it returns 0).
    derive_events: Callable[[Database], int] | None = None

    def __post_init__(self) -> None:
        # The platform's handlers are added here, once, so every reader of
        # ``handlers()`` (the worker, the AsyncAPI catalog, the test harness)
        # sees them and no service has to register them itself.
        if self.keeps_directory and not getattr(self.handlers, "_crm_directory", False):
            object.__setattr__(self, "handlers", _with_directory(self.handlers))

    # Top-level resources under /api/v1/ this service serves beyond those its
    # blueprints' routes already show (the gateway routes both to it).
    resources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def migrations(self) -> str:
        """Alembic script location, inside the package so it ships with it."""
        return f"{self.import_name}:migrations"


def _with_directory(
    own: Callable[[], Mapping[str, Handler]],
) -> Callable[[], Mapping[str, Handler]]:
    """``own`` handlers plus the directory's; both run for an event they share."""

    def handlers() -> Mapping[str, Handler]:
        from .directory import HANDLERS

        merged: dict[str, Handler] = dict(own())
        for event_type, platform in HANDLERS.items():
            service = merged.get(event_type)
            merged[event_type] = platform if service is None else _both(platform, service)
        return merged

    handlers._crm_directory = True  # type: ignore[attr-defined]  # dataclasses.replace re-runs
    return handlers


def _both(first: Handler, second: Handler) -> Handler:
    def run(session: Any, event: Any) -> None:
        first(session, event)
        second(session, event)

    return run


def discover() -> dict[str, ServiceSpec]:
    """Every installed service, by name, from the ``crm.services`` entry point."""
    found: dict[str, ServiceSpec] = {}
    for entry in entry_points(group="crm.services"):
        spec = entry.load()
        found[spec.name] = spec
    return found
