"""Run-time settings of a service, kept in the platform table ``platform_settings``.

Every service has settings an admin changes through its API (a threshold, a
switch, a learned model). They live in one platform table, one row per key
as JSON, read with the service's defaults filled in and written in the
caller's transaction, so a change commits with whatever else the request did.

Declare a setting once with its default, then read and write it::

    QUALIFICATION = Setting("qualification", {"auto_qualify": False, "threshold": 80})
    QUALIFICATION.get(session)             # defaults filled in
    QUALIFICATION.set(session, {...}, by=principal.id)
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import utcnow
from .tables import platform_settings

T = TypeVar("T")

_MISSING = object()


def get(session: Session, key: str, default: Any = None) -> Any:
    """The stored value of ``key``, or ``default`` when none is stored."""
    row = session.execute(
        select(platform_settings.c.value).where(platform_settings.c.key == key)
    ).first()
    return row[0] if row is not None else default


def put(session: Session, key: str, value: Any, *, by: uuid.UUID | None = None) -> None:
    """Store ``value`` (anything JSON can hold) under ``key``, in the caller's transaction."""
    now = utcnow()
    changed = session.execute(
        update(platform_settings)
        .where(platform_settings.c.key == key)
        .values(value=value, updated_by=by, updated_at=now)
    )
    if not getattr(changed, "rowcount", 0):
        session.execute(
            platform_settings.insert().values(key=key, value=value, updated_by=by, updated_at=now)
        )


def with_defaults(stored: Any, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` overlaid with the keys ``stored`` holds (a non-dict counts as none)."""
    merged = copy.deepcopy(dict(defaults))
    if isinstance(stored, Mapping):
        merged.update(stored)
    return merged


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One named setting and its default.

    A dict default is a set of defaults: what is stored overlays it key by
    key, so a key added to the defaults later reads its default until an
    admin sets it. Any other default is returned as is when nothing is stored.
    """

    key: str
    default: T

    def get(self, session: Session) -> T:
        """The setting's value, defaults filled in."""
        stored = get(session, self.key, _MISSING)
        if isinstance(self.default, Mapping):
            return cast(T, with_defaults(None if stored is _MISSING else stored, self.default))
        if stored is _MISSING:
            return copy.deepcopy(self.default)
        return cast(T, stored)

    def set(self, session: Session, value: T, *, by: uuid.UUID | None = None) -> None:
        """Store a new value for the setting."""
        put(session, self.key, value, by=by)
