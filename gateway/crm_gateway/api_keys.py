"""API keys for integrations (a mail relay, an ERP), exchanged for tokens at the edge.

An admin creates a key for one role and a set of top-level resources
(``leads``, ``customers``...). The key is shown once; only its SHA-256 is
stored. On the way in, the gateway swaps ``Authorization: ApiKey <key>``
(or ``X-Api-Key: <key>``) for a short-lived access token of its own, so
services verify one kind of credential. The minted token never leaves the
gateway, so revoking a key stops it at once.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import Database, utcnow
from crm_shared.errors import Forbidden, NotFound, Unauthorized, ValidationFailed

from .models import ApiKey

KEY_PREFIX = "crmk_"
# Last use is written at most this often per key: not one write per request.
_LAST_USE_EVERY = timedelta(seconds=60)


def _digest(key: str) -> str:
    # 256 random bits: a plain SHA-256 is safe and lets the key be looked up.
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(
    session: Session, principal: Principal, data: dict[str, Any], known: Iterable[str] | None
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the key itself (shown this once only)."""
    resources = sorted(set(data["resources"]))
    if known is not None:
        unknown = [r for r in resources if r not in set(known)]
        if unknown:
            raise ValidationFailed.field("resources", f"no such resource: {', '.join(unknown)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=uuid.uuid4(),
        name=data["name"].strip(),
        role=data["role"],
        resources=resources,
        key_hash=_digest(key),
        prefix=key[: len(KEY_PREFIX) + 6],
        created_by=principal.id,
        created_at=utcnow(),
    )
    session.add(row)
    return row, key


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first (never the keys themselves)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc())))


def revoke_key(session: Session, key_id: uuid.UUID) -> None:
    """Revoke a key: it stops working on the next request."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound("no such API key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def presented_key(headers: Any) -> str | None:
    """The API key a request carries, if any."""
    scheme, _, value = headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "apikey" and value.strip():
        return str(value.strip())
    direct = headers.get("X-Api-Key", "").strip()
    return str(direct) if direct else None


class KeyExchange:
    """Turns a presented API key into an access token for one resource."""

    def __init__(
        self,
        db: Database,
        sign: Callable[[ApiKey, int], str],
        ttl: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.sign = sign
        self.ttl = ttl
        self.clock = clock
        # key id -> (reuse until, token): signing RS256 per request is avoidable.
        self._minted: dict[uuid.UUID, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def token_for(self, key: str, resource: str) -> str:
        """A bearer token standing for ``key`` on ``resource``; 401 or 403 otherwise."""
        with self.db.transaction() as session:
            row = session.scalars(select(ApiKey).where(ApiKey.key_hash == _digest(key))).first()
            if row is None or row.revoked_at is not None:
                raise Unauthorized("unknown or revoked API key")
            if resource not in row.resources:
                raise Forbidden(f"this API key may not use /api/v1/{resource}")
            now = utcnow()
            if row.last_used_at is None or now - row.last_used_at >= _LAST_USE_EVERY:
                row.last_used_at = now
            key_id = row.id
            minted = self._minted.get(key_id)
            if minted is not None and minted[0] > self.clock():
                return minted[1]
            token = self.sign(row, self.ttl)
        with self._lock:
            # Reused for half its life, so a service never receives one about to expire.
            self._minted[key_id] = (self.clock() + self.ttl / 2, token)
        return token
