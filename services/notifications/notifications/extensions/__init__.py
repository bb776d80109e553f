"""Seams for capabilities built into this service beside notifications.

Each module in this package (outbound webhooks, automation rules...) may
define any of:

- ``blueprints() -> Iterable[Blueprint]``: extra routes (``/api/v1/webhooks``,
  ``/api/v1/automations``; the spec already routes both prefixes here);
- ``event_types() -> Iterable[str]``: extra event types the consumer subscribes to;
- ``after_event(session, event, recipients) -> None``: called for every
  consumed event after routing, in the same transaction (``recipients``: the
  users the routing table chose, maybe none). The event's own rows (the
  stored event, its deliveries, in-app entries) are written when that
  transaction commits, a batch of events at once;
- ``jobs() -> Iterable[Job]``: extra worker jobs.

Nothing else lists them: adding a module is enough.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable
from typing import Any

from crm_shared.service import Job


@functools.cache  # the package's modules do not change while the process runs
def modules() -> tuple[Any, ...]:
    """Every extension module, by name."""
    return tuple(
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    )


def blueprints() -> list[Any]:
    """The extensions' blueprints."""
    return [bp for m in modules() if hasattr(m, "blueprints") for bp in m.blueprints()]


def event_types() -> set[str]:
    """Event types the extensions want beyond the routed ones."""
    return {t for m in modules() if hasattr(m, "event_types") for t in m.event_types()}


def after_event_hooks() -> list[Callable[..., None]]:
    """The extensions' ``after_event`` functions, in module order."""
    return [m.after_event for m in modules() if hasattr(m, "after_event")]


def jobs() -> Iterable[Job]:
    """The extensions' worker jobs."""
    return [job for m in modules() if hasattr(m, "jobs") for job in m.jobs()]
