"""Which service serves ``/api/v1/<resource>``, learnt from the services themselves.

Every service answers ``/routes.json`` with the top-level resources its
routes (and its spec's ``resources``) serve; the gateway asks each service
it knows (``CRM_<SERVICE>_URL``) and builds its table from the answers. A
new service is routed by being configured, not by editing a list here, and
a resource no service serves is a 404 problem rather than a stale entry.

The table is refreshed every ``ttl`` seconds when traffic asks for it, and
at once (at most every ``miss_interval`` seconds) when a resource is not in
it. A service that does not answer keeps the resources it last declared.

The same probe tells readiness: the gateway is ready only when every
service behind it answers its ``/readyz``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

import urllib3

from crm_shared.errors import BadRequest, NotFound, Problem

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
_RESOURCE = re.compile(r"[a-z0-9][a-z0-9._-]*")
# Encoded path separators and dots: a service would decode them into a path
# the gateway never checked.
_ENCODED_SEPARATOR = re.compile(r"%(2f|5c|2e|00)", re.IGNORECASE)


class RoutingUnavailable(Problem):
    """The owner of a resource is not known because services did not answer."""

    status, title, slug = 502, "Bad Gateway", "bad-gateway"


def checked_api_path(raw_path: str) -> str:
    """The raw request path if it is a plain ``/api/v1/...`` path; raise otherwise.

    ``raw_path`` is the path as the client sent it (still percent-encoded).
    Dot segments, empty segments, backslashes and encoded separators are
    refused (400) rather than resolved: a service must see exactly the path
    the gateway routed on.
    """
    if not raw_path.startswith(API_PREFIX):
        raise NotFound(f"no API at {raw_path[:200]}")
    if _ENCODED_SEPARATOR.search(raw_path) or "\\" in raw_path:
        raise BadRequest("the path holds an encoded separator, dot or NUL")
    segments = raw_path[len(API_PREFIX) :].split("/")
    for index, segment in enumerate(segments):
        if segment in (".", ".."):
            raise BadRequest("the path holds a dot segment")
        if segment == "" and index < len(segments) - 1:
            raise BadRequest("the path holds an empty segment")
    return raw_path


def resource_of(raw_path: str) -> str:
    """The top-level resource of a checked ``/api/v1/...`` path."""
    return unquote(raw_path[len(API_PREFIX) :].split("/", 1)[0])


@dataclass
class _Upstream:
    url: str
    resources: frozenset[str] = frozenset()
    known: bool = False
    ready: str = "unknown"
    checked: float = field(default=0.0)


class RoutingTable:
    """Resource → service, from each service's ``/routes.json``."""

    def __init__(
        self,
        service_urls: Mapping[str, str],
        *,
        pool: urllib3.PoolManager | None = None,
        ttl: float = 30.0,
        miss_interval: float = 2.0,
        timeout: float = 2.0,
    ) -> None:
        self.upstreams = {name: _Upstream(url.rstrip("/")) for name, url in service_urls.items()}
        self.pool = pool or urllib3.PoolManager()
        self.ttl = ttl
        self.miss_interval = miss_interval
        self.timeout = urllib3.Timeout(connect=min(timeout, 1.0), read=timeout)
        self._table: dict[str, str] = {}
        self._refreshed = 0.0
        self._lock = threading.Lock()

    def _get(self, url: str) -> tuple[int, bytes] | None:
        try:
            answer = self.pool.request("GET", url, timeout=self.timeout, retries=False)
        except (urllib3.exceptions.HTTPError, OSError):
            return None
        return answer.status, answer.data

    def _probe(self, name: str, upstream: _Upstream) -> None:
        found = self._get(upstream.url + "/routes.json")
        if found is not None and found[0] == 200:
            try:
                document = json.loads(found[1])
                resources = frozenset(
                    r for r in document.get("resources", []) if _RESOURCE.fullmatch(str(r))
                )
            except (ValueError, AttributeError):
                log.warning("%s answered /routes.json with something else", name)
            else:
                upstream.resources, upstream.known = resources, True
        ready = self._get(upstream.url + "/readyz")
        if ready is None:
            upstream.ready = "unreachable"
        else:
            upstream.ready = "ok" if ready[0] == 200 else f"not ready ({ready[0]})"
        upstream.checked = time.monotonic()

    def refresh(self) -> None:
        """Ask every service for its resources and readiness; rebuild the table."""
        threads = [
            threading.Thread(target=self._probe, args=(name, upstream), daemon=True)
            for name, upstream in self.upstreams.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        table: dict[str, str] = {}
        for name, upstream in sorted(self.upstreams.items()):
            for resource in upstream.resources:
                if resource in table and table[resource] != name:
                    log.error("both %s and %s declare /api/v1/%s", table[resource], name, resource)
                    continue
                table[resource] = name
        self._table = table
        self._refreshed = time.monotonic()

    def _refresh_if(self, older_than: float) -> None:
        if time.monotonic() - self._refreshed < older_than:
            return
        if not self._lock.acquire(blocking=self._refreshed == 0.0):
            return  # another request is refreshing; use the table as it is
        try:
            if time.monotonic() - self._refreshed >= older_than:
                self.refresh()
        finally:
            self._lock.release()

    def resources(self) -> frozenset[str] | None:
        """Every resource the services behind the gateway declare; None until all have said."""
        self._refresh_if(self.ttl)
        if any(not upstream.known for upstream in self.upstreams.values()):
            return None
        return frozenset(self._table)

    def lookup(self, resource: str) -> tuple[str, str]:
        """(service, base URL) serving ``resource``; 404 when none does."""
        self._refresh_if(self.ttl)
        service = self._table.get(resource)
        if service is None:
            self._refresh_if(self.miss_interval)
            service = self._table.get(resource)
        if service is None:
            unknown = sorted(n for n, u in self.upstreams.items() if not u.known)
            if unknown:
                raise RoutingUnavailable(
                    f"no known service serves /api/v1/{resource}, and "
                    f"{', '.join(unknown)} did not say what they serve",
                    services=unknown,
                )
            raise NotFound(f"no API at /api/v1/{resource}")
        return service, self.upstreams[service].url

    def readiness(self) -> tuple[str, dict[str, str], bool]:
        """A ``/readyz`` check: every service behind the gateway answers ready."""
        self._refresh_if(min(self.miss_interval, self.ttl))
        statuses = {name: u.ready for name, u in sorted(self.upstreams.items())}
        return "services", statuses, all(s == "ok" for s in statuses.values())
