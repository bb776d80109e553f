"""What a fresh install needs: the default routing table and templates.

Only missing rows are added, so an admin's edits survive every restart.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .models import Route, Template
from .rules.catalog import DEFAULT_ROUTES
from .rules.templates import DEFAULTS, SYSTEM


def seed(session: Session) -> None:
    """Add the default routes and templates that are not there yet."""
    for event_type, rules in DEFAULT_ROUTES.items():
        if session.get(Route, event_type) is None:
            session.add(Route(event_type=event_type, recipients=rules, enabled=True))
    for event_type, languages in {**DEFAULTS, **SYSTEM}.items():
        for language, source in languages.items():
            if session.get(Template, (event_type, language)) is None:
                session.add(
                    Template(
                        event_type=event_type,
                        language=language,
                        subject=source.subject,
                        text=source.text,
                        html=source.html,
                    )
                )
