"""The revision of everything SLA clocks depend on besides the ticket itself.

Policies, calendars and the groups' and customers' choice of calendar change
rarely and are read on every ticket list. Each edit gives ``sla_settings`` a
new random revision in the same transaction; readers keep what they built
per revision (``sla.SlaReader``) and learn the current one in the very query
that loads the tickets (``with_revision``), so a list costs one query.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ScalarSelect, Select, select, update
from sqlalchemy.orm import Session, with_expression

from .models import SlaSettings, Ticket

SETTINGS_ID = 1


def current() -> ScalarSelect[Any]:
    """The current revision, as a scalar subquery."""
    return select(SlaSettings.revision).where(SlaSettings.id == SETTINGS_ID).scalar_subquery()


def with_revision(statement: Select[Any]) -> Select[Any]:
    """``statement`` (selecting tickets) also loading the revision into ``Ticket.sla_revision``."""
    return statement.options(with_expression(Ticket.sla_revision, current()))


def touch(session: Session) -> None:
    """Give the settings a new revision (call with every edit of what clocks depend on)."""
    changed = session.execute(
        update(SlaSettings).where(SlaSettings.id == SETTINGS_ID).values(revision=uuid.uuid4())
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.add(SlaSettings(id=SETTINGS_ID, revision=uuid.uuid4()))


def read(session: Session) -> uuid.UUID | None:
    """The current revision (None before the first edit of a fresh database)."""
    return session.scalar(select(SlaSettings.revision).where(SlaSettings.id == SETTINGS_ID))
