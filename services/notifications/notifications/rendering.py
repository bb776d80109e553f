"""Rendering an event for a recipient from the stored template, errors kept for admins."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm_shared.db import utcnow

from .models import Template
from .rules.catalog import link
from .rules.delivery import Rendered
from .rules.templates import Source, render


def source_of(
    session: Session, event_type: str, language: str
) -> tuple[Template | None, Source | None]:
    """The stored template (row and source) of an event type in a language, or Nones.

    Read once per transaction: a batch of events renders the same few templates.
    """
    known = session.info.setdefault("notifications_templates", {})
    key = (event_type, language)
    if key not in known:
        row = session.get(Template, key)
        if row is None and language != "en":
            row = session.get(Template, (event_type, "en"))
        known[key] = (row, Source(row.subject, row.text, row.html) if row is not None else None)
    return known[key]


def render_event(
    session: Session, event_type: str, data: dict[str, Any], language: str
) -> Rendered:
    """The event as the recipient reads it; a broken template yields the fallback text.

    The error is stored on the template (``last_error``), where admins see it.
    """
    row, source = source_of(session, event_type, language)
    rendered, error = render(event_type, source, data, language, link(event_type, data))
    if error is not None and row is not None and row.last_error != error:
        row.last_error = error
        row.last_error_at = utcnow()
    return rendered
