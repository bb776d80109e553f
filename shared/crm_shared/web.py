"""The HTTP side of a service: app factory, auth, errors, transactions, health.

:func:`create_service_app` builds every service's Flask app the same way:

- flask-smorest generates the OpenAPI document (``/openapi.json``) from the
  marshmallow schemas; unknown fields are rejected;
- every error leaves as RFC 9457 problem details with field errors;
- every ``/api/`` route needs a valid bearer token unless marked
  :func:`public`;
- a request is one transaction: the view's session commits when it returns
  a non-error response and rolls back otherwise;
- ``/healthz`` says the process is alive, ``/readyz`` that its database
  answers;
- a span per request continues the caller's trace.
"""

from __future__ import annotations

import hashlib
import http
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import flask_smorest
from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import ValidationError
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from . import directory, telemetry
from .auth import Principal, TokenVerifier
from .bus import connect
from .config import Settings, load_settings
from .db import Database, utcnow
from .errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Conflict,
    Forbidden,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    field_errors,
)
from .schemas import ProblemSchema
from .service import ServiceSpec
from .tables import idempotency_keys

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_ALWAYS_PUBLIC = {"crm_healthz", "crm_readyz", "api-docs.openapi_json", "static"}


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


def body_limit(limit: int | str) -> Callable[[F], F]:
    """Let ``view`` accept bodies up to ``limit`` bytes instead of the app's default.

    ``limit`` is a number, or the name of a value in the service's
    ``settings.extra`` (so operators can tune it). Werkzeug enforces it while
    reading: a larger body is refused with 413 before it is read whole.
    """

    def decorate(view: F) -> F:
        view._crm_body_limit = limit  # type: ignore[attr-defined]
        return view

    return decorate


def install_overload_guard(app: Flask, max_in_flight: int, *, retry_after: int = 1) -> None:
    """Answer 503 with ``Retry-After`` when this process already serves ``max_in_flight``.

    Shedding load early keeps latency bounded for the requests admitted and
    tells well-behaved clients when to come back, instead of letting a
    campaign peak queue up until every request times out. Health checks are
    never shed.
    """
    if max_in_flight <= 0:
        return
    slots = threading.BoundedSemaphore(max_in_flight)

    @app.before_request
    def _admit() -> None:
        if not request.path.startswith("/api/"):
            return
        if not slots.acquire(blocking=False):
            raise ServiceUnavailable(
                "the service is at capacity; retry shortly", retry_after=retry_after
            )
        g._crm_admitted = True

    @app.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        if g.pop("_crm_admitted", False):
            slots.release()


def problem_response(problem: Problem) -> Response:
    """Render a Problem as ``application/problem+json``."""
    response = jsonify(problem.to_dict(instance=request.path if request else None))
    response.status_code = problem.status
    response.content_type = PROBLEM_CONTENT_TYPE
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def _http_problem(error: HTTPException) -> Problem:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    code = error.code or 500
    if code == 422 and messages:
        errors = []
        for location, fields_ in messages.items():
            for item in field_errors(fields_):
                item["location"] = location
                errors.append(item)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        return ValidationFailed(detail or "invalid input", errors=errors)
    if code == 400 and messages:
        errors = field_errors(messages)
        return BadRequest(errors[0]["message"] if errors else error.description, errors=errors)
    problem = Problem(error.description)
    problem.status = code
    problem.title = error.name
    problem.slug = error.name.lower().replace(" ", "-")
    headers = data.get("headers") or {}
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers = {**headers, "Allow": ", ".join(error.valid_methods)}
    problem.headers = dict(headers)
    return problem


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose arguments obey their schema's ``unknown``.

    webargs quietly drops unknown query parameters by default; ours refuse
    them, so ``?stauts=new`` is an error rather than an unfiltered list.
    """

    ARGUMENTS_PARSER = FlaskParser(unknown=None)


class CrmApi(Api):
    """flask-smorest's Api with problem details as the error format."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest's own, but errors are documented as problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return problem_response(_http_problem(error))


def _finish_transaction(response: Any) -> Any:
    session: Session | None = g.pop("crm_session", None)
    if session is None:
        return response
    status = response.status_code if isinstance(response, Response) else 200
    try:
        if status < 400:
            session.commit()
        else:
            session.rollback()
    except IntegrityError as exc:
        session.rollback()
        log.info("commit refused by a constraint: %s", exc.orig)
        raise Conflict("the change conflicts with data saved meanwhile; retry") from exc
    finally:
        session.close()
    return response


def unit_of_work(view: F) -> F:
    """Commit the request's session when ``view`` returns a non-error response."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            response = view(*args, **kwargs)
        except BaseException:
            session = g.pop("crm_session", None)
            if session is not None:
                session.rollback()
                session.close()
            raise
        return _finish_transaction(response)

    return wrapper  # type: ignore[return-value]


def idempotent(view: F) -> F:
    """Honour ``Idempotency-Key`` on a creating POST.

    The first successful response for a (caller, key) is stored in the same
    transaction as the change it reports; a retry with the same key and the
    same request gets that response again (``Idempotent-Replayed: true``)
    and changes nothing. The same key with a different request is refused.
    Two racing first attempts cannot both commit: the loser gets 409.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise ValidationFailed.field("Idempotency-Key", "must be 1 to 255 characters")
        principal = g.get("principal")
        owner = str(principal.id) if principal else f"anon:{request.remote_addr}"
        digest = hashlib.sha256()
        digest.update(f"{request.method} {request.full_path}\n".encode())
        digest.update(request.get_data(cache=True))
        fingerprint = digest.hexdigest()
        session = db_session()
        stored = session.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.principal == owner, idempotency_keys.c.key == key
            )
        ).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise ValidationFailed.field(
                    "Idempotency-Key", "was already used for a different request"
                )
            replay = Response(stored.body, status=stored.status_code, headers=stored.headers)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            kept = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Location")}
            session.execute(
                insert(idempotency_keys).values(
                    principal=owner,
                    key=key,
                    fingerprint=fingerprint,
                    status_code=response.status_code,
                    headers=kept,
                    body=response.get_data(),
                    created_at=utcnow(),
                )
            )
        return response

    return wrapper  # type: ignore[return-value]


class _BrokerProbe:
    """Checks the broker at most every ``ttl`` seconds (readiness is polled often)."""

    def __init__(self, url: str, ttl: float = 10.0) -> None:
        self.url = url
        self.ttl = ttl
        self._checked = 0.0
        self._status = "unknown"
        self._lock = threading.Lock()

    def status(self) -> str:
        with self._lock:
            if time.monotonic() - self._checked > self.ttl:
                try:
                    with connect(self.url) as conn:
                        conn.ensure_connection(max_retries=1, timeout=2)
                    self._status = "ok"
                except Exception as exc:
                    self._status = f"unreachable: {type(exc).__name__}"
                self._checked = time.monotonic()
            return self._status


def _install_health(app: Flask, ctx: ServiceContext) -> None:
    probe = _BrokerProbe(ctx.settings.broker_url)

    @app.get("/healthz", endpoint="crm_healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=ctx.spec.name)

    @app.get("/readyz", endpoint="crm_readyz")
    def readyz() -> tuple[Response, int]:
        checks: dict[str, str] = {}
        try:
            ctx.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        # The web process writes events to its outbox, not to the broker, so
        # a broker outage is reported but does not take it out of rotation.
        checks["broker"] = probe.status()
        # Keys are fetched before the first request, not by a burst of them.
        checks["signing_keys"] = ctx.verifier.readiness()
        ready = checks["database"] == "ok" and checks["signing_keys"] == "ok"
        return jsonify(status="ready" if ready else "not ready", checks=checks), (
            200 if ready else 503
        )


def _install_tracing(app: Flask, service: str) -> None:
    tracer = telemetry.tracer(service)

    @app.before_request
    def _start_span() -> None:
        telemetry.current_service.set(service)
        rule = request.url_rule.rule if request.url_rule else request.path
        span = tracer.start_span(
            f"{request.method} {rule}",
            context=telemetry.extract(request.headers),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": request.method, "url.path": request.path},
        )
        g._crm_span = span
        g._crm_span_token = otel_context.attach(trace.set_span_in_context(span))

    @app.after_request
    def _tag_span(response: Response) -> Response:
        span = g.get("_crm_span")
        if span is not None:
            # Lets a client quote the trace when reporting a problem.
            response.headers["X-Trace-Id"] = format(span.get_span_context().trace_id, "032x")
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
        return response

    @app.teardown_request
    def _end_span(_exc: BaseException | None) -> None:
        span = g.pop("_crm_span", None)
        token = g.pop("_crm_span_token", None)
        if span is not None:
            span.end()
        if token is not None:
            otel_context.detach(token)


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
        if endpoint is None or endpoint in _ALWAYS_PUBLIC or request.method == "OPTIONS":
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


def _install_body_limits(app: Flask, settings: Settings) -> None:
    @app.before_request
    def _limit_body() -> None:
        view = app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "_crm_body_limit", None)
        if limit is not None:
            request.max_content_length = (
                int(settings.extra[limit]) if isinstance(limit, str) else int(limit)
            )


def _install_errors(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(problem: Problem) -> Response:
        return problem_response(problem)

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError) -> Response:
        errors = field_errors(error.messages)
        return problem_response(ValidationFailed("invalid input", errors=errors))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return problem_response(_http_problem(error))
        if isinstance(error, PoolTimeout | OperationalError):
            # Database saturated or unreachable: nothing was committed, and
            # the client may retry (503 + Retry-After) rather than give up.
            log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
            return problem_response(
                ServiceUnavailable("the database is busy or unavailable; retry", retry_after=2)
            )
        log.exception("unhandled error on %s %s", request.method, request.path)
        span = trace.get_current_span()
        trace_id = format(span.get_span_context().trace_id, "032x")
        return problem_response(
            Problem("an unexpected error occurred; it has been logged", trace_id=trace_id)
        )


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
    db = Database(settings.database_url, service=spec.name)
    verifier = verifier or TokenVerifier.from_jwks_url(
        settings.jwks_url, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    if verifier.revocations is None:  # the gateway replaces it with its own users
        verifier.revocations = directory.revocations(db)
    ctx = ServiceContext(spec=spec, settings=settings, db=db, verifier=verifier)
    app.extensions["crm"] = ctx
    _install_tracing(app, spec.name)
    _install_auth(app, verifier)
    api = CrmApi(app)
    app.extensions["crm.api"] = api
    for blueprint in spec.blueprints():
        api.register_blueprint(blueprint)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint not in _ALWAYS_PUBLIC:
            app.view_functions[endpoint] = unit_of_work(view)
    _install_body_limits(app, settings)
    _install_errors(app)
    _install_health(app, ctx)
    if spec.init_app is not None:
        spec.init_app(app)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("crm_session", None)
        if session is not None:
            session.rollback()
            session.close()

    return app
