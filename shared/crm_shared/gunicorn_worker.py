"""gunicorn's threaded worker: the API's error format and a queue stamp per request.

gunicorn reads the request line and headers before the app sees them and
refuses those over its limits (414, 431) or malformed (400) with a small
HTML page of its own. Every web process runs this worker instead
(``--worker-class crm_shared.gunicorn_worker.ThreadWorker``, as ``crm-up``,
the images and the cluster do), so those answers are
``application/problem+json`` like every other error of the API.

Its limits are raised to gunicorn's maxima (a request line of 8,190 bytes,
each header up to 8,190 bytes, 100 headers), so gunicorn refuses only what
the app's own checks (:mod:`crm_shared.edge`: 8 KiB line, 32 KiB of headers)
would refuse too, and the app answers the rest.

It also stamps each request when it joins the thread pool's queue (a new
connection when accepted, a kept-alive or deferred one when its bytes
arrive), which :mod:`crm_shared.request_queue` reads so the overload guard
can refuse what waited too long for a thread.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers import gthread

from .edge import HeadersTooLarge, UriTooLong
from .errors import PROBLEM_CONTENT_TYPE, BadRequest, Problem
from .request_queue import mark_queued

log = logging.getLogger(__name__)

# gunicorn's own maxima: larger values are clamped by gunicorn itself.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELD_SIZE = 8190
LIMIT_REQUEST_FIELDS = 100


class _NotImplemented(Problem):
    status, title, slug = 501, "Not Implemented", "not-implemented"


class _ExpectationFailed(Problem):
    status, title, slug = 417, "Expectation Failed", "expectation-failed"


def problem_for(exc: BaseException) -> Problem | None:
    """The problem for an error gunicorn raised while reading a request; None if not one."""
    if isinstance(exc, errors.LimitRequestLine):
        return UriTooLong(f"the request line is longer than {LIMIT_REQUEST_LINE} bytes")
    if isinstance(exc, errors.LimitRequestHeaders):
        return HeadersTooLarge(f"the request headers are too large: {exc}")
    if isinstance(exc, errors.UnsupportedTransferCoding):
        return _NotImplemented(str(exc))
    if isinstance(exc, errors.ExpectationFailed):
        return _ExpectationFailed(str(exc))
    if isinstance(exc, errors.ParseException):
        return BadRequest(f"the request could not be read: {type(exc).__name__}")
    return None


def problem_bytes(problem: Problem) -> bytes:
    """A whole HTTP/1.1 response carrying ``problem``; the connection closes after it."""
    body = json.dumps(problem.to_dict()).encode()
    head = (
        f"HTTP/1.1 {problem.status} {problem.title}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's ``gthread`` worker with the API's limits, error format and queue stamps."""

    def enqueue_req(self, conn: Any) -> None:
        """Stamp the connection, then queue it for a thread as gthread does."""
        conn.crm_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        """Serve the connection with its stamp visible to the app's thread."""
        queued_at = getattr(conn, "crm_queued_at", None)
        mark_queued(None if queued_at is None else max(0.0, time.monotonic() - queued_at))
        try:
            return super().handle(conn)
        finally:
            mark_queued(None)

    def init_process(self) -> None:
        """Apply the limits (over any given on the command line) and start serving."""
        self.cfg.set("limit_request_line", LIMIT_REQUEST_LINE)
        self.cfg.set("limit_request_field_size", LIMIT_REQUEST_FIELD_SIZE)
        self.cfg.set("limit_request_fields", LIMIT_REQUEST_FIELDS)
        super().init_process()

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Answer a request gunicorn refused as problem details; anything else as gunicorn does."""
        problem = problem_for(exc)
        if problem is None:
            super().handle_error(req, client, addr, exc)
            return
        peer = addr[0] if addr else ""
        self.log.warning("Invalid request from ip=%s: %s", peer, exc)
        try:
            util.write_nonblock(client, problem_bytes(problem))
        except Exception:
            self.log.debug("Failed to send error message.")
