"""What every request passes before a view sees it: size, bytes, shape.

- Bodies: a route's limit (:func:`body_limit`, else ``CRM_MAX_BODY_BYTES``)
  is enforced on every body, declared (``Content-Length``, refused before a
  byte is read) or streamed (chunked, refused when a byte past the limit
  arrives). Werkzeug's own stream stops *at* the limit and hands over what
  it read, which silently truncated imports and photos.
- NUL bytes (``%00``, ``\\u0000``) in the path, the query, a form or a JSON
  body are a 422, not a database error.
- A request line longer than ``MAX_URL_BYTES`` is a 414, headers larger
  than ``MAX_HEADER_BYTES`` a 431, both as problem details.
- Every response says ``X-Content-Type-Options: nosniff``.
- :func:`install_overload_guard` sheds load with 503 + ``Retry-After``.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar, cast

from flask import Flask, Request, Response, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_content_length

from .config import Settings
from .errors import PayloadTooLarge, Problem, ServiceUnavailable, ValidationFailed
from .request_queue import QueueGuard, queued_for

F = TypeVar("F", bound=Callable[..., Any])

MAX_URL_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
_NUL = "\x00"


class UriTooLong(Problem):
    """The request line is longer than this API accepts."""

    status, title, slug = 414, "URI Too Long", "uri-too-long"


class HeadersTooLarge(Problem):
    """The request's headers are larger than this API accepts."""

    status, title, slug = 431, "Request Header Fields Too Large", "headers-too-large"


def body_limit(limit: int | str) -> Callable[[F], F]:
    """Let ``view`` accept bodies up to ``limit`` bytes instead of the app's default.

    ``limit`` is a number, or the name of a value in the service's
    ``settings.extra`` (so operators can tune it). A declared larger body is
    refused with 413 before it is read; a streamed one as soon as it passes
    the limit.
    """

    def decorate(view: F) -> F:
        view._crm_body_limit = limit  # type: ignore[attr-defined]
        return view

    return decorate


class _StrictLimitedStream(LimitedStream):
    """A stream of at most ``limit`` bytes that refuses, never truncates, a longer body."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(stream, limit, is_max=True)
        self._source = stream

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._source.read(1):
            raise RequestEntityTooLarge()
        return data


class LimitedRequest(Request):
    """Flask's request whose body stream enforces ``max_content_length`` strictly."""

    @cached_property
    def stream(self) -> IO[bytes]:
        """The body, refused with 413 past ``max_content_length``."""
        environ = self.environ
        source = cast(IO[bytes], environ["wsgi.input"])
        limit = self.max_content_length
        length = get_content_length(environ)
        if length is not None:
            if limit is not None and length > limit:
                raise RequestEntityTooLarge()
            return cast(IO[bytes], LimitedStream(source, length))
        if "wsgi.input_terminated" in environ:
            # The server de-chunks and ends the stream (gunicorn, Werkzeug's).
            if limit is None:
                return source
            return cast(IO[bytes], _StrictLimitedStream(source, limit))
        return io.BytesIO()


def route_body_limit(app: Flask, settings: Settings) -> int | None:
    """The body limit of the current request's view."""
    view = app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "_crm_body_limit", None)
    if limit is None:
        return cast(int | None, app.config.get("MAX_CONTENT_LENGTH"))
    return int(settings.extra[limit]) if isinstance(limit, str) else int(limit)


def install_body_limits(app: Flask, settings: Settings) -> None:
    """Enforce each view's body limit, declared or streamed."""
    app.request_class = LimitedRequest

    @app.before_request
    def _limit_body() -> None:
        limit = route_body_limit(app, settings)
        request.max_content_length = limit
        declared = request.content_length
        if limit is not None and declared is not None and declared > limit:
            # Refuse before any byte is read, so a proxy in front can stop sending.
            raise PayloadTooLarge(f"the body is larger than {limit} bytes", limit=limit)


def _nul_fields(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if _NUL in value:
            yield path or "(body)"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if _NUL in str(key):
                yield name
            yield from _nul_fields(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_fields(item, f"{path}.{index}" if path else str(index))


def _has_nul(*values: object) -> bool:
    return any(_NUL in str(v) for v in values if v is not None)


def _refuse_nul(fields: list[str], location: str) -> None:
    if fields:
        raise ValidationFailed(
            f"{fields[0]}: must not contain NUL characters",
            errors=[
                {"field": f, "message": "must not contain NUL characters", "location": location}
                for f in fields[:20]
            ],
        )


def check_request_shape() -> None:
    """Refuse oversized request lines and headers, and NUL bytes anywhere in the input."""
    line = len(request.environ.get("RAW_URI") or request.full_path)
    if line > MAX_URL_BYTES:
        raise UriTooLong(f"the request line is longer than {MAX_URL_BYTES} bytes")
    if sum(len(k) + len(v) + 4 for k, v in request.headers.items()) > MAX_HEADER_BYTES:
        raise HeadersTooLarge(f"the request headers are larger than {MAX_HEADER_BYTES} bytes")
    if _NUL in request.path:
        _refuse_nul(["(path)"], "path")
    _refuse_nul([k for k, v in request.args.items(multi=True) if _NUL in k or _NUL in v], "query")
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "_crm_raw_body", False):
        return  # a body passed on unread (the gateway's proxy): its receiver checks it
    mimetype = request.mimetype
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        _refuse_nul([str(k) for k, v in request.form.items(multi=True) if _has_nul(k, v)], "form")
    elif mimetype == "application/json" or mimetype.endswith("+json"):
        raw = request.get_data(cache=True)
        # Cheap test first: a JSON NUL is either a raw byte or the escape \u0000.
        if b"\x00" in raw or b"\\u0000" in raw:
            try:
                document = json.loads(raw)
            except ValueError:
                return  # malformed JSON is the parser's 400 to give
            _refuse_nul(list(_nul_fields(document, "")), "json")


def install_input_guards(app: Flask) -> None:
    """Check every request's shape first and mark every response ``nosniff``."""

    @app.before_request
    def _check_shape() -> None:
        check_request_shape()

    @app.after_request
    def _nosniff(response: Response) -> Response:
        # Browsers must not guess a type (an uploaded "image" that is HTML).
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response


def install_overload_guard(
    app: Flask,
    max_in_flight: int,
    *,
    retry_after: int = 1,
    max_queue_seconds: float = 0.0,
    queue_target_seconds: float = 0.0,
    slot_wait_seconds: float = 0.0,
) -> None:
    """Answer 503 with ``Retry-After`` when this process is past its capacity.

    Past capacity means serving ``max_in_flight`` requests already (for up to
    ``slot_wait_seconds``: a request may wait that long for one to finish), or
    (under :mod:`crm_shared.gunicorn_worker`) a request that waited more than
    ``max_queue_seconds`` for a thread — or, while every request of the last
    100 ms waited more than ``queue_target_seconds``, one that waited five
    times that (:class:`crm_shared.request_queue.QueueGuard`). Shedding load early keeps latency
    bounded for the requests admitted and tells well-behaved clients when to
    come back, instead of letting a campaign peak queue up until every
    request times out. Health checks are never shed; 0 turns a limit off.

    Why a small ``max_in_flight`` with a wait rather than many threads: the
    threads of one process share one interpreter lock, so past a couple of
    requests in flight more threads only stretch each request's time without
    serving more of them. Requests beyond the limit wait (using no CPU) for a
    slot and are refused once that wait would cost the admitted their latency.
    """
    if max_in_flight <= 0 and max_queue_seconds <= 0:
        return
    slots = threading.BoundedSemaphore(max_in_flight) if max_in_flight > 0 else None
    queue = (
        QueueGuard(max_queue_seconds, target=queue_target_seconds)
        if max_queue_seconds > 0
        else None
    )

    @app.before_request
    def _admit() -> None:
        if not request.path.startswith("/api/"):
            return
        if queue is not None:
            waited = queued_for()
            if waited is not None and not queue.admit(waited):
                raise ServiceUnavailable(
                    "the service is at capacity; retry shortly", retry_after=retry_after
                )
        if slots is None:
            return
        if not slots.acquire(blocking=False) and not (
            slot_wait_seconds > 0 and slots.acquire(timeout=slot_wait_seconds)
        ):
            raise ServiceUnavailable(
                "the service is at capacity; retry shortly", retry_after=retry_after
            )
        g._crm_admitted = True

    @app.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        if g.pop("_crm_admitted", False) and slots is not None:
            slots.release()
