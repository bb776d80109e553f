"""HTTP routes of the notifications service, one module per capability: parse, call, respond."""

from __future__ import annotations

from typing import Any


def blueprints() -> list[Any]:
    """Every blueprint the service serves, the extensions' included."""
    from .. import extensions
    from . import admin, inbox

    # The admin paths (/routes, /templates...) are registered before the
    # list's /<id> paths so the literal segments win.
    return [admin.blp, inbox.blp, *extensions.blueprints()]
