"""Every error answer as RFC 9457 problem details, whatever raised it.

Business rules raise :class:`~crm_shared.errors.Problem`; Werkzeug raises
its own HTTP errors (404, 405, 413, ...); marshmallow and webargs raise
validation errors. All of them leave as ``application/problem+json``.
"""

from __future__ import annotations

import http
import logging
from typing import Any

import flask_smorest
from flask import Flask, Response, jsonify, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import ValidationError
from opentelemetry import trace
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from .errors import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Problem,
    ServiceUnavailable,
    ValidationFailed,
    field_errors,
)
from .schemas import ProblemSchema

log = logging.getLogger(__name__)


def problem_response(problem: Problem) -> Response:
    """Render a Problem as ``application/problem+json``."""
    response = jsonify(problem.to_dict(instance=request.path if request else None))
    response.status_code = problem.status
    response.content_type = PROBLEM_CONTENT_TYPE
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response


def http_problem(error: HTTPException) -> Problem:
    """The Problem for one of Werkzeug's (or webargs') HTTP errors."""
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
        return problem_response(http_problem(error))


def install_errors(app: Flask) -> None:
    """Render every error ``app`` can raise as problem details."""

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
            return problem_response(http_problem(error))
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
