"""What every customers route module shares: the service's settings and the page shape."""

from __future__ import annotations

from typing import Any

from crm_shared.web import service_context


def extra() -> dict[str, Any]:
    """This service's own settings (``CRM_CUSTOMERS_*``)."""
    return service_context().settings.extra


def region() -> str:
    """The organisation's region for phone numbers without ``+country``."""
    return str(extra()["default_region"])


def page(items: Any, cursor: str | None) -> dict[str, Any]:
    """A page of a list: ``{"items", "next_cursor"}``."""
    return {"items": items, "next_cursor": cursor}
