"""Signed links: ``<id>.<expiry>.<signature>`` for surveys and a customer's ticket page.

The signature (HMAC-SHA256 over purpose, id and expiry) proves the link was
made here for that purpose; the expiry is inside what is signed, so it cannot
be stretched. A survey's one-time use is kept by its row (answered once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime


class BadToken(ValueError):
    """A token that is malformed, forged or expired."""


def _signature(key: bytes, survey_id: uuid.UUID, expires: int, purpose: str) -> str:
    mac = hmac.new(key, f"{purpose}.{survey_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(key: bytes, survey_id: uuid.UUID, expires_at: datetime, purpose: str = "survey") -> str:
    """The token for ``purpose`` naming ``survey_id``, valid until ``expires_at``."""
    expires = int(expires_at.timestamp())
    return f"{survey_id.hex}.{expires}.{_signature(key, survey_id, expires, purpose)}"


def verify(key: bytes, token: str, now: datetime, purpose: str = "survey") -> uuid.UUID:
    """The id a valid token for ``purpose`` names; raise :class:`BadToken` otherwise."""
    try:
        raw_id, raw_expires, signature = token.split(".")
        survey_id, expires = uuid.UUID(hex=raw_id), int(raw_expires)
    except ValueError as exc:
        raise BadToken(f"this {purpose} link is not valid") from exc
    if not hmac.compare_digest(signature, _signature(key, survey_id, expires, purpose)):
        raise BadToken(f"this {purpose} link is not valid")
    if now >= datetime.fromtimestamp(expires, UTC):
        raise BadToken(f"this {purpose} link has expired")
    return survey_id
