"""Delivery channels, one module each; the registry finds them.

A channel module defines ``make(settings: dict) -> Channel | None`` (None when
it is not configured) and names itself in ``NAME``. Adding a channel (a chat
robot, say) is adding a module here: nothing else lists them. The in-app
channel is not one of these: the consumer writes it straight to the list.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any

from ..rules.catalog import IN_APP
from .base import Channel, DeliveryResult, OutboundMessage

__all__ = ["Channel", "DeliveryResult", "OutboundMessage", "channel_names", "registry"]

_SKIP = {"base"}


@functools.cache  # the package's modules do not change while the process runs
def _modules() -> tuple[Any, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "make"):
            found.append(module)
    return tuple(found)


@functools.cache
def channel_names() -> tuple[str, ...]:
    """Every channel a preference may name: in-app first, then each module's."""
    return (IN_APP, *(m.NAME for m in _modules()))


def registry(settings: dict[str, Any]) -> dict[str, Channel]:
    """The configured outbound channels, by name."""
    made: dict[str, Channel] = {}
    for module in _modules():
        channel = module.make(settings)
        if channel is not None:
            made[module.NAME] = channel
    return made
