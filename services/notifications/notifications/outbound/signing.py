"""Standard Webhooks signing (https://www.standardwebhooks.com/) of outbound deliveries.

Each delivery carries three headers:

- ``webhook-id``: the message id (the CloudEvent's id; the same on every retry),
- ``webhook-timestamp``: Unix seconds when this attempt was signed,
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``,
  space-separated when several secrets are valid (during a rotation).

The secret is ``whsec_`` followed by the base64 of the key bytes; the HMAC
key is those decoded bytes. A receiver verifies with ``verify`` (or any
Standard Webhooks library) and refuses timestamps outside a tolerance, which
stops replays of old captured deliveries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class SignatureError(ValueError):
    """A delivery whose signature headers do not verify, and why."""


def new_secret(size: int = 24) -> str:
    """A fresh random signing secret, ``whsec_<base64>``."""
    return PREFIX + base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key bytes of a ``whsec_`` secret (raises ``ValueError`` if malformed)."""
    text = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    try:
        key = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from exc
    if len(key) < 16:
        raise ValueError("a webhook secret needs at least 16 bytes of key")
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(
    secrets_: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every given secret."""
    signatures = " ".join(sign(s, message_id, timestamp, body) for s in secrets_)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signatures,
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Check a received delivery's headers against ``secret``; raise ``SignatureError`` if wrong.

    ``received`` is the request's headers (any case); ``now`` the receiver's
    clock in Unix seconds. Any one matching ``v1`` signature is enough.
    """
    lowered = {k.lower(): v for k, v in received.items()}
    try:
        message_id = lowered["webhook-id"]
        stamp_text = lowered["webhook-timestamp"]
        signature_header = lowered["webhook-signature"]
    except KeyError as exc:
        raise SignatureError(f"missing header {exc.args[0]}") from None
    try:
        timestamp = int(stamp_text)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a whole number of seconds") from None
    if abs(now - timestamp) > tolerance:
        raise SignatureError("webhook-timestamp is outside the tolerance (a replay or a bad clock)")
    expected = sign(secret, message_id, timestamp, body).split(",", 1)[1]
    for candidate in signature_header.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return
    raise SignatureError("no v1 signature matches")
