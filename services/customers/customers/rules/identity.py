"""When two customers are the same: the same name with the same email or phone.

Names compare folded (Unicode-normalised, case and spacing ignored, so
``ACME  Ltd`` and ``acme ltd`` match, and full-width letters too); emails
lower-cased; phones in their stored form (E.164 when they could be read).
Plain Python.
"""

from __future__ import annotations

import unicodedata


def name_key(name: str | None) -> str:
    """``name`` folded for comparison: NFKC, case-folded, whitespace collapsed."""
    if not name:
        return ""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def same_customer(
    name: str,
    email: str | None,
    phone: str | None,
    other_name: str,
    other_email: str | None,
    other_phone: str | None,
) -> bool:
    """Whether a new customer matches an existing one: same name, and same email or phone."""
    if not name_key(name) or name_key(name) != name_key(other_name):
        return False
    same_email = bool(email) and (email or "").lower() == (other_email or "").lower()
    same_phone = bool(phone) and phone == other_phone
    return same_email or same_phone
