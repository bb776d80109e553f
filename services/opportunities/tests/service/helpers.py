"""Shared steps of the opportunities service tests."""

from __future__ import annotations

from typing import Any


def open_deal(svc: Any, user: Any, customer: str, **overrides: Any) -> Any:
    """POST a new deal for ``customer`` as ``user``."""
    body = {"customer_id": customer, "name": "Big deal", "amount": "1200.50", "currency": "EUR"}
    return svc.client.post(
        "/api/v1/opportunities", json={**body, **overrides}, headers=user.headers
    )


def stages(svc: Any, user: Any) -> dict[str, dict[str, Any]]:
    """The default pipeline's stages by name."""
    [pipeline] = svc.client.get("/api/v1/pipelines", headers=user.headers).json["items"]
    return {s["name"]: s for s in pipeline["stages"]}
