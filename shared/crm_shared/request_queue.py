"""How long the request being served waited for a thread, where the server says.

Under gunicorn's threaded worker a request that arrives while every thread
is busy waits in the worker's queue, where Flask cannot see it: a limit on
requests *in flight* never trips, and at a campaign peak latency grows until
clients time out. :mod:`crm_shared.gunicorn_worker` stamps each request when
it is queued; :func:`queued_for` reads the stamp in the serving thread, so the
overload guard (:func:`crm_shared.edge.install_overload_guard`) can refuse at
once, with ``Retry-After``, what waited longer than the budget — the admitted
requests keep their latency and the refused ones learn when to come back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_local = threading.local()


def mark_queued(waited: float | None) -> None:
    """Record (in this thread) how long the request it is about to serve waited for it.

    The wait ends when a thread takes the connection, not when the app is
    called: a client slow to send its body is not a queue.
    """
    _local.waited = waited


def queued_for() -> float | None:
    """Seconds the current request waited before a thread took it; None if unknown."""
    return getattr(_local, "waited", None)


class QueueGuard:
    """Which queued requests to refuse: a fixed ceiling, and CoDel's tighter one under overload.

    CoDel (Nichols and Jacobson, "Controlling Queue Delay") tells a standing
    queue from a burst by the *smallest* wait seen over an interval: a burst
    drains and some request gets a thread at once; under overload every
    request waits. While the smallest wait of the last ``interval`` exceeded
    ``target``, requests that waited more than ``overloaded_wait`` are refused,
    so those admitted keep a latency near the normal one; otherwise only
    those past ``max_wait``. ``target`` 0 keeps the fixed ceiling alone.
    """

    def __init__(
        self,
        max_wait: float,
        *,
        target: float = 0.0,
        overloaded_wait: float | None = None,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_wait = max_wait
        self.target = target
        self.overloaded_wait = overloaded_wait if overloaded_wait is not None else 5 * target
        self.interval = interval
        self.clock = clock
        self.overloaded = False
        self._smallest = float("inf")
        self._ends = clock() + interval
        self._lock = threading.Lock()

    def admit(self, waited: float) -> bool:
        """Whether a request that waited ``waited`` seconds for a thread may be served."""
        with self._lock:
            now = self.clock()
            if now >= self._ends:
                seen = self._smallest != float("inf")
                self.overloaded = self.target > 0 and seen and self._smallest > self.target
                self._smallest = float("inf")
                self._ends = now + self.interval
            self._smallest = min(self._smallest, waited)
            limit = min(self.max_wait, self.overloaded_wait) if self.overloaded else self.max_wait
        return waited <= limit
