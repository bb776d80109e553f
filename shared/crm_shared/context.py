"""What a request handler reaches for: its service, session, caller and access marks.

These are the names views use (``db_session()``, ``current_principal()``,
``@public``, ``@require_roles``); :mod:`crm_shared.web` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from .auth import Principal, TokenVerifier
from .config import Settings
from .db import Database
from .errors import Forbidden, Unauthorized
from .service import ServiceSpec

F = TypeVar("F", bound=Callable[..., Any])

# Endpoints every service answers without a token (health, its own OpenAPI).
ALWAYS_PUBLIC = {
    "crm_healthz",
    "crm_readyz",
    "crm_routes",
    "crm_metrics",
    "api-docs.openapi_json",
    "static",
}


@dataclass
class ServiceContext:
    """What a running service app holds: its spec, settings, database and verifier."""

    spec: ServiceSpec
    settings: Settings
    db: Database
    verifier: TokenVerifier


def service_context(app: Flask | None = None) -> ServiceContext:
    """The :class:`ServiceContext` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["crm"]


def db_session() -> Session:
    """The request's session; it commits when the view succeeds."""
    session = g.get("crm_session")
    if session is None:
        session = service_context().db.session()
        g.crm_session = session
    return session


def current_principal() -> Principal:
    """The verified caller of this request."""
    principal = g.get("principal")
    if principal is None:
        raise Unauthorized("authentication required")
    return principal


def public(view: F) -> F:
    """Mark a view as reachable without a bearer token (it authorises itself)."""
    view._crm_public = True  # type: ignore[attr-defined]
    return view


def require_roles(*roles: str) -> Callable[[F], F]:
    """Allow the view only to callers holding one of ``roles``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if not principal.has_role(*roles):
                raise Forbidden(f"requires one of the roles: {', '.join(roles)}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
