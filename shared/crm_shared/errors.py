"""Errors a request can end in, as RFC 9457 problem details.

These are plain exceptions with no web framework inside, so business rules
raise them and the HTTP layer (:mod:`crm_shared.web`) renders them as
``application/problem+json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROBLEM_TYPE_BASE = "https://crm.example.org/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """Base of every error that becomes a problem-details response."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})
        self.extensions = extensions

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        """The problem-details document."""
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body


class BadRequest(Problem):
    """The request could not be read (malformed JSON, bad encoding)."""

    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(Problem):
    """No valid credentials were presented."""

    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="crm"'})
        super().__init__(detail, **kwargs)


class Forbidden(Problem):
    """The caller is known but may not do this."""

    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    """Nothing the caller may see exists here."""

    status, title, slug = 404, "Not Found", "not-found"


class Conflict(Problem):
    """The request conflicts with the current state (lost a race, duplicate)."""

    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(Problem):
    """The body is bigger than this endpoint accepts."""

    status, title, slug = 413, "Payload Too Large", "payload-too-large"


class ValidationFailed(Problem):
    """The input was read but breaks a rule; ``errors`` names each field and why."""

    status, title, slug = 422, "Unprocessable Content", "validation-error"

    @classmethod
    def field(cls, field: str, message: str, **extensions: Any) -> ValidationFailed:
        """One field error."""
        return cls(
            f"{field}: {message}", errors=[{"field": field, "message": message}], **extensions
        )


class TooManyRequests(Problem):
    """The caller should slow down; ``Retry-After`` says for how long."""

    status, title, slug = 429, "Too Many Requests", "rate-limited"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {})["Retry-After"] = str(max(1, int(retry_after)))
        super().__init__(detail, **kwargs)


class ServiceUnavailable(Problem):
    """A dependency is down or the process is overloaded."""

    status, title, slug = 503, "Service Unavailable", "unavailable"

    def __init__(
        self, detail: str | None = None, *, retry_after: int | None = None, **kwargs: Any
    ) -> None:
        if retry_after is not None:
            kwargs.setdefault("headers", {})["Retry-After"] = str(max(1, int(retry_after)))
        super().__init__(detail, **kwargs)


def field_errors(messages: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten marshmallow's nested messages into ``[{field, message}]``.

    ``{"contacts": {0: {"email": ["Not a valid email address."]}}}`` becomes
    ``[{"field": "contacts.0.email", "message": "Not a valid email address."}]``.
    """
    found: list[dict[str, Any]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            found.extend(field_errors(value, path))
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            found.extend({"field": prefix or "(body)", "message": m} for m in messages)
        else:
            for value in messages:
                found.extend(field_errors(value, prefix))
    else:
        found.append({"field": prefix or "(body)", "message": str(messages)})
    return found
