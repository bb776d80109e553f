"""The HTTP side of a service: app factory, auth, errors, transactions, health.

:func:`create_service_app` builds every service's Flask app the same way:

- flask-smorest generates the OpenAPI document (``/openapi.json``) from the
  marshmallow schemas; unknown fields are rejected;
- every error leaves as RFC 9457 problem details with field errors
  (:mod:`crm_shared.problems`);
- every ``/api/`` route needs a valid bearer token unless marked
  :func:`public`;
- bodies, request lines, headers and NUL bytes are checked before a view
  runs (:mod:`crm_shared.edge`);
- a request is one transaction: the view's session commits when it returns
  a non-error response and rolls back otherwise (:mod:`crm_shared.transactions`);
- ``/healthz`` says the process is alive, ``/readyz`` that its database
  answers (:mod:`crm_shared.health`); ``/routes.json`` names the resources
  it serves under ``/api/v1/``, for the gateway's routing table;
- a span per request continues the caller's trace (:mod:`crm_shared.tracing`);
- every request is counted and timed per route and status, served at
  ``/metrics`` (:mod:`crm_shared.http_metrics`).

Every name services import from here (``from crm_shared.web import X``)
stays importable from here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Flask, Response, g, jsonify, request

from . import directory, telemetry
from .auth import Principal, TokenVerifier
from .client_address import client_address, install_trusted_proxies, trusted_proxies_from_env
from .config import Settings, load_settings
from .context import (
    ALWAYS_PUBLIC,
    ServiceContext,
    current_principal,
    db_session,
    public,
    require_roles,
    service_context,
)
from .db import Database
from .edge import body_limit, install_body_limits, install_input_guards, install_overload_guard
from .errors import Unauthorized
from .health import BrokerProbe, install_health
from .http_metrics import install_http_metrics
from .idempotency import idempotent
from .problems import Blueprint, CrmApi, http_problem, install_errors, problem_response
from .service import ServiceSpec
from .tracing import install_tracing
from .transactions import finish_transaction, unit_of_work

__all__ = [
    "Blueprint",
    "BrokerProbe",
    "CrmApi",
    "ServiceContext",
    "api_resources",
    "body_limit",
    "client_address",
    "create_service_app",
    "current_principal",
    "db_session",
    "finish_transaction",
    "http_problem",
    "idempotent",
    "install_overload_guard",
    "problem_response",
    "public",
    "require_roles",
    "service_context",
    "unit_of_work",
]

# Older private names, kept for callers that reached for them.
_ALWAYS_PUBLIC = ALWAYS_PUBLIC
API_PREFIX = "/api/v1/"
_http_problem = http_problem
_BrokerProbe = BrokerProbe


class _VerifiedTokens:
    """Remembers verified tokens for a short while (at most ``ttl`` s, never past ``exp``).

    A client sends the same token for its whole lifetime; verifying its RS256
    signature and re-parsing it on every request is a measurable share of a
    cheap request such as a lead capture. Only successes are remembered, for
    at most a minute, so a key withdrawn from the JWKS stops working soon.
    """

    def __init__(
        self, ttl: float = 60.0, size: int = 10_000, clock: Callable[[], float] = time.time
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.clock = clock  # wall time: compared with the token's ``exp``
        self._items: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        found = self._items.get(token)
        if found is None:
            return None
        if found[0] <= self.clock():
            with self._lock:
                self._items.pop(token, None)
            return None
        return found[1]

    def put(self, token: str, principal: Principal, expires: float) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()  # crude, bounded; refilled from live traffic
            self._items[token] = (min(self.clock() + self.ttl, expires), principal)


def _token_expiry(token: str) -> float:
    import jwt

    try:
        return float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
    except Exception:
        return 0.0


def _install_auth(app: Flask, verifier: TokenVerifier) -> None:
    verified = _VerifiedTokens()

    @app.before_request
    def _authenticate() -> None:
        endpoint = request.endpoint
        if endpoint is None or endpoint in ALWAYS_PUBLIC or request.method == "OPTIONS":
            return
        view = app.view_functions.get(endpoint)
        if view is not None and getattr(view, "_crm_public", False):
            return
        if not request.path.startswith("/api/"):
            return
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("a bearer token is required")
        token = token.strip()
        principal = verified.get(token)
        if principal is None:
            principal = verifier.verify(token)
            verified.put(token, principal, _token_expiry(token))
        verifier.check_current(principal)  # disabled, or issued before a revocation
        g.principal = principal


def api_resources(app: Flask, spec: ServiceSpec) -> list[str]:
    """The top-level resources under ``/api/v1/`` that ``app`` serves.

    Read from its routes (so a new blueprint is routed without a list to
    keep), plus the spec's explicit ``resources``.
    """
    found = set(spec.resources)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX):
            segment = rule.rule[len(API_PREFIX) :].split("/", 1)[0]
            if segment and "<" not in segment and segment != "openapi.json":
                found.add(segment)
    return sorted(found)


def _install_routes(app: Flask, spec: ServiceSpec) -> None:
    @app.get("/routes.json", endpoint="crm_routes")
    def routes() -> Response:
        # Outside /api/: the gateway reads it, never forwards it.
        return jsonify(service=spec.name, resources=api_resources(app, spec))


def create_service_app(
    spec: ServiceSpec,
    settings: Settings | None = None,
    *,
    verifier: TokenVerifier | None = None,
) -> Flask:
    """Build the Flask app of ``spec`` with every shared mechanism installed."""
    settings = settings or load_settings(spec.name, extra=spec.extra_settings)
    telemetry.setup_logging(settings.log_level)
    app = Flask(spec.import_name)
    app.config.update(
        API_TITLE=spec.title,
        API_VERSION=spec.version,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                }
            },
            "security": [{"bearerAuth": []}],
        },
    )
    db = Database(settings.database_url, service=spec.name, pool=settings.web_pool)
    verifier = verifier or TokenVerifier.from_jwks_url(
        settings.jwks_url, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    if verifier.revocations is None:  # the gateway replaces it with its own users
        verifier.revocations = directory.revocations(db)
    ctx = ServiceContext(spec=spec, settings=settings, db=db, verifier=verifier)
    app.extensions["crm"] = ctx
    install_trusted_proxies(app, trusted_proxies_from_env(spec.name))
    install_http_metrics(app, spec.name)
    install_tracing(app, spec.name)
    install_body_limits(app, settings)
    _install_auth(app, verifier)
    install_input_guards(app)
    api = CrmApi(app)
    app.extensions["crm.api"] = api
    for blueprint in spec.blueprints():
        api.register_blueprint(blueprint)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint not in ALWAYS_PUBLIC:
            app.view_functions[endpoint] = unit_of_work(view)
    install_errors(app)
    install_health(app, ctx)
    _install_routes(app, spec)
    if spec.init_app is not None:
        spec.init_app(app)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("crm_session", None)
        if session is not None:
            session.rollback()
            session.close()

    return app
