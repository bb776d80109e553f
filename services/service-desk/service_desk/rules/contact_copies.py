"""How the desk keeps its copy of customers' contacts: addresses compared
lower-case, the newest state wins, erasure is final. Pure."""

from __future__ import annotations

from datetime import datetime


def normalised_email(value: str | None) -> str | None:
    """An address as the desk compares it: trimmed, lower-case; None when empty."""
    if value is None:
        return None
    cleaned = value.strip().lower()
    return cleaned or None


def takes_news(known_as_of: datetime | None, erased: bool, news_as_of: datetime) -> bool:
    """True when a contact event dated ``news_as_of`` should replace what is known:
    nothing known yet, or the news is not older; never once the contact is erased."""
    if erased:
        return False
    return known_as_of is None or news_as_of >= known_as_of
