"""Web-form keys and origins: what authorises a post from a landing page."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

from .lead_fields import FACT_FIELDS

# What a web form may post: the lead's facts and the campaign's UTM tags.
FORM_FIELDS = frozenset(FACT_FIELDS)
UTM_FIELDS = frozenset({"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"})


def new_key() -> str:
    """A fresh form key (shown once; only its hash is kept)."""
    return "lf_" + secrets.token_urlsafe(24)


def key_hash(key: str) -> str:
    """What is stored and looked up instead of the key."""
    return hashlib.sha256(key.encode()).hexdigest()


def origin_allowed(allowed_origins: Sequence[str] | None, origin: str | None) -> bool:
    """A browser's origin is allowed when the source lists it (or lists none)."""
    if origin is None:
        return True  # not a browser cross-origin request: CORS does not apply
    allowed = allowed_origins or []
    return not allowed or origin.rstrip("/") in allowed
