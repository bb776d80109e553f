"""gunicorn's threaded worker, stamping when each request joins the thread pool's queue.

Run web apps with ``--worker-class crm_shared.gunicorn_worker.ThreadWorker``
(``crm-up``, the images and the bench do). It behaves as ``gthread`` and
adds what :mod:`crm_shared.request_queue` reads: a request on a new
connection is stamped when accepted, one on a kept-alive or deferred
connection when its bytes arrive.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn.workers import gthread

from .request_queue import mark_queued


class ThreadWorker(gthread.ThreadWorker):
    """``gthread`` with a queue stamp per request."""

    def enqueue_req(self, conn: Any) -> None:
        """Stamp the connection, then queue it for a thread as gthread does."""
        conn.crm_queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        """Serve the connection with its stamp visible to the app's thread."""
        mark_queued(getattr(conn, "crm_queued_at", None))
        try:
            return super().handle(conn)
        finally:
            mark_queued(None)
