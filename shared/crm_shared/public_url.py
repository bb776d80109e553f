"""Addresses handed to users (a calendar feed, a survey link) point at the gateway.

A service's own address (``http://127.0.0.1:8102``, a pod's name) means
nothing to a user and must not leak; every such URL is built from
``CRM_PUBLIC_BASE_URL``, the gateway's public address (default: the local
gateway, ``http://127.0.0.1:<CRM_GATEWAY_PORT>``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from .config import DEFAULT_PORTS, ConfigError


def public_base_url(environ: Mapping[str, str] | None = None) -> str:
    """The public base URL of the API, without a trailing slash."""
    env = os.environ if environ is None else environ
    base = env.get("CRM_PUBLIC_BASE_URL") or (
        f"http://127.0.0.1:{env.get('CRM_GATEWAY_PORT') or DEFAULT_PORTS['gateway']}"
    )
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"CRM_PUBLIC_BASE_URL={base!r} must be an http(s) URL without a query")
    return base.rstrip("/")


def public_url(path: str, environ: Mapping[str, str] | None = None) -> str:
    """``path`` (starting with ``/``) as an address a user can open."""
    if not path.startswith("/"):
        raise ValueError("path must start with /")
    return public_base_url(environ) + path
