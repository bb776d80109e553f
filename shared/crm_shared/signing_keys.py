"""The gateway's public signing keys, held by every service web process.

A process that has just started must not meet its first burst of requests
without keys: each request would fetch the JWKS at once from a gateway
whose threads are busy forwarding those very requests. So the keys are
fetched when the process starts (``/readyz`` says not ready until they
are), refreshed in the background by one thread, and the old keys are kept
until a fetch succeeds. A key id the cache does not know (a rotation)
triggers one refresh however many requests carry it (single flight), and
at most one every ``unknown_kid_every`` seconds, so tokens with made-up key
ids cannot make a service hammer the gateway.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import jwt

log = logging.getLogger(__name__)

Fetch = Callable[[], dict[str, Any]]


def http_fetch(url: str, timeout: float = 5.0) -> Fetch:
    """A fetch of the JWKS document at ``url``."""

    def fetch() -> dict[str, Any]:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            document: dict[str, Any] = json.load(response)
        return document

    return fetch


def _parse(document: dict[str, Any]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for entry in document.get("keys", []):
        try:
            jwk = jwt.PyJWK.from_dict(entry)
        except jwt.PyJWTError:
            continue  # a key of a kind we do not verify with
        if jwk.key_id:
            keys[jwk.key_id] = jwk.key
    return keys


class SigningKeys:
    """Key id → public key, kept current from the gateway's JWKS."""

    def __init__(
        self,
        fetch: Fetch,
        *,
        refresh_every: float = 300.0,
        retry_every: float = 2.0,
        unknown_kid_every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.refresh_every = refresh_every
        self.retry_every = retry_every
        self.unknown_kid_every = unknown_kid_every
        self.clock = clock
        self._keys: dict[str, Any] = {}
        self._loaded = False
        self._fetched_at: float | None = None
        self._fetches = 0
        self._completed = 0
        self._error: str | None = None
        self._flight = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._starting = threading.Lock()
        self._stop = threading.Event()

    @property
    def loaded(self) -> bool:
        """Whether keys were fetched at least once."""
        return self._loaded

    @property
    def fetches(self) -> int:
        """How many fetches were made (successful or not)."""
        return self._fetches

    def refresh(self) -> bool:
        """Fetch the keys now unless another thread is already doing it; True on success.

        A thread that finds a fetch in flight waits for it and uses its
        result instead of starting another.
        """
        seen = self._completed
        with self._flight:
            if self._completed != seen:
                return self._error is None  # a fetch finished while we waited: use it
            self._fetches += 1
            try:
                keys = _parse(self.fetch())
            except Exception as exc:  # keep the old keys until a fetch succeeds
                self._error = f"{type(exc).__name__}: {exc}"
                log.warning("cannot fetch the gateway's signing keys: %s", self._error)
                return False
            else:
                self._keys = keys  # one assignment: readers see old or new, never half
                self._loaded = True
                self._fetched_at = self.clock()
                self._error = None
                return True
            finally:
                self._completed += 1

    def key(self, kid: str | None) -> Any:
        """The public key for ``kid``, or None when the gateway does not publish it."""
        self.start()
        if not kid:
            return None
        found = self._keys.get(kid)
        if found is not None:
            return found
        recently = self._fetched_at is not None and (
            self.clock() - self._fetched_at < self.unknown_kid_every
        )
        if self._loaded and recently:
            return None
        self.refresh()
        return self._keys.get(kid)

    def readiness(self) -> str:
        """``ok`` once keys are held; otherwise why not (a fetch is tried first)."""
        self.start()
        if self._loaded or self.refresh():
            return "ok"
        return f"unavailable: {self._error}"

    def start(self) -> None:
        """Keep the keys fresh in one background thread (idempotent, fork-aware).

        Started on first use rather than at construction, so it runs in the
        web worker process itself, not in a parent that forks it.
        """
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._starting:
            if self._thread is not None and self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="signing-keys", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the background refresh."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            due = self._fetched_at is None or (
                self.clock() - self._fetched_at >= self.refresh_every
            )
            ok = self.refresh() if due else True
            self._stop.wait(self.refresh_every if ok else self.retry_every)
