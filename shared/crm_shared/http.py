"""Calling another service over HTTP: pooled, with timeouts, carrying the trace.

Services mostly learn about each other from events; a synchronous call is
for a write that must check another service's current truth (does this
customer exist, and may the caller see it?). The caller's own token is
forwarded, so the other service applies the caller's data scope.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from flask import has_request_context, request
from requests.adapters import HTTPAdapter

from . import telemetry
from .errors import ServiceUnavailable


class ServiceClient:
    """A small JSON client for one service's API."""

    def __init__(
        self, name: str, base_url: str, *, timeout: tuple[float, float] = (2.0, 5.0)
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(pool_maxsize=16, max_retries=0))
            session.mount("https://", HTTPAdapter(pool_maxsize=16, max_retries=0))
            session.trust_env = False
            self._local.session = session
        return session

    def get(self, path: str) -> tuple[int, Any]:
        """GET ``path`` as the current caller; return (status, JSON body or None)."""
        headers: dict[str, str] = {"Accept": "application/json"}
        if has_request_context() and "Authorization" in request.headers:
            headers["Authorization"] = request.headers["Authorization"]
        telemetry.inject(headers)
        try:
            response = self._session().get(
                self.base_url + path, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise ServiceUnavailable(
                f"the {self.name} service cannot be reached; try again", retry_after=5
            ) from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(f"the {self.name} service failed; try again", retry_after=5)
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, body
