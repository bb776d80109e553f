"""Signed one-time survey links: ``<survey id>.<expiry>.<signature>``.

The signature (HMAC-SHA256 over id and expiry) proves the link was made
here; the expiry is inside what is signed, so it cannot be stretched. One-time
use is kept by the survey row (answered once).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime


class BadToken(ValueError):
    """A token that is malformed, forged or expired."""


def _signature(key: bytes, survey_id: uuid.UUID, expires: int) -> str:
    mac = hmac.new(key, f"{survey_id}.{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(key: bytes, survey_id: uuid.UUID, expires_at: datetime) -> str:
    """The token for a survey valid until ``expires_at``."""
    expires = int(expires_at.timestamp())
    return f"{survey_id.hex}.{expires}.{_signature(key, survey_id, expires)}"


def verify(key: bytes, token: str, now: datetime) -> uuid.UUID:
    """The survey id a valid token names; raise :class:`BadToken` otherwise."""
    try:
        raw_id, raw_expires, signature = token.split(".")
        survey_id, expires = uuid.UUID(hex=raw_id), int(raw_expires)
    except ValueError as exc:
        raise BadToken("this survey link is not valid") from exc
    if not hmac.compare_digest(signature, _signature(key, survey_id, expires)):
        raise BadToken("this survey link is not valid")
    if now >= datetime.fromtimestamp(expires, UTC):
        raise BadToken("this survey link has expired")
    return survey_id
