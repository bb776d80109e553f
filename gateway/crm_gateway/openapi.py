"""One OpenAPI document for the whole API, merged from every service's own."""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import requests

log = logging.getLogger(__name__)

_REF = "#/components/schemas/"


def _rename_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_REF):
                name = value[len(_REF) :]
                out[key] = _REF + renames.get(name, name)
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


def merge(base: dict[str, Any], parts: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge service documents into ``base``.

    Paths are unioned (each operation tagged with its service); component
    schemas keep their names unless two services define the same name
    differently, in which case the later one is prefixed with its service.
    """
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    for service, document in sorted(parts.items()):
        theirs = document.get("components", {}).get("schemas", {})
        renames: dict[str, str] = {}
        for name, schema in theirs.items():
            if name in schemas and schemas[name] != schema:
                renames[name] = f"{service.title().replace('-', '')}{name}"
        for name, schema in theirs.items():
            schemas[renames.get(name, name)] = _rename_refs(schema, renames)
        for path, item in document.get("paths", {}).items():
            item = _rename_refs(item, renames)
            for operation in item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation.setdefault("tags", []).append(f"service:{service}")
            paths.setdefault(path, {}).update(item)
        for name, scheme in document.get("components", {}).get("securitySchemes", {}).items():
            merged["components"].setdefault("securitySchemes", {}).setdefault(name, scheme)
    return merged


class MergedSpec:
    """Fetches each service's ``/openapi.json`` and caches the merged document."""

    def __init__(self, service_urls: Mapping[str, str], ttl: float = 30.0) -> None:
        self.service_urls = dict(service_urls)
        self.ttl = ttl
        self._lock = threading.Lock()
        self._cached: dict[str, Any] | None = None
        self._at = 0.0

    def document(self, base: dict[str, Any]) -> dict[str, Any]:
        """The merged document; services that do not answer are listed as missing."""
        with self._lock:
            if self._cached is not None and time.monotonic() - self._at < self.ttl:
                return self._cached
            parts: dict[str, dict[str, Any]] = {}
            missing: list[str] = []
            for service, url in self.service_urls.items():
                try:
                    answer = requests.get(f"{url.rstrip('/')}/openapi.json", timeout=(1, 3))
                    answer.raise_for_status()
                    parts[service] = answer.json()
                except (requests.RequestException, ValueError):
                    log.warning("no OpenAPI document from %s", service)
                    missing.append(service)
            merged = merge(base, parts)
            merged.setdefault("info", {})["x-services-missing"] = missing
            if not missing:
                self._cached, self._at = merged, time.monotonic()
            return merged
