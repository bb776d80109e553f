"""Business calendars over the database: kept as definitions, edited by admins."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Boolean, Uuid, literal, null, select, union_all, update
from sqlalchemy.orm import Session

from crm_shared.calendars.business_time import (
    BusinessCalendar,
    CalendarError,
    calendar_from_definition,
    definition_of,
)
from crm_shared.calendars.public_holidays import year_of_holidays
from crm_shared.db import UTCDateTime, utcnow
from crm_shared.errors import NotFound, ValidationFailed

from . import sla_revision
from .models import Calendar, CustomerRef, SupportGroup

# Used when no calendar is set anywhere: round the clock, every day.
ALWAYS_OPEN = calendar_from_definition(
    {
        "timezone": "UTC",
        "week": {d: {"hours": [["00:00", "24:00"]]} for d in ("mon", "tue", "wed", "thu", "fri")}
        | {d: {"hours": [["00:00", "24:00"]]} for d in ("sat", "sun")},
    }
)


def checked(definition: dict[str, Any]) -> BusinessCalendar:
    """The calendar a definition describes; 422 naming the field otherwise."""
    try:
        return calendar_from_definition(definition)
    except CalendarError as exc:
        raise ValidationFailed.field(exc.field, exc.message) from exc


def with_holidays(definition: dict[str, Any], country: str, years: list[int]) -> dict[str, Any]:
    """``definition`` with the public holidays and make-up working days of ``country``."""
    holidays, workdays = (
        set(definition.get("holidays") or []),
        set(definition.get("extra_workdays") or []),
    )
    for year in years:
        try:
            found = year_of_holidays(country, year)
        except ValueError as exc:
            raise ValidationFailed.field("country", str(exc)) from exc
        holidays |= {d.isoformat() for d in found.holidays}
        workdays |= {d.isoformat() for d in found.extra_workdays}
    return {**definition, "holidays": sorted(holidays), "extra_workdays": sorted(workdays)}


def create(session: Session, data: dict[str, Any]) -> Calendar:
    """Keep a new calendar (seeded with a country's holidays when asked)."""
    definition = data["definition"]
    if data.get("country"):
        definition = with_holidays(definition, data["country"], data.get("years") or [])
    normal = definition_of(checked(definition))
    calendar = Calendar(
        id=uuid.uuid4(),
        name=data["name"],
        definition=normal,
        is_default=bool(data.get("is_default")),
        updated_at=utcnow(),
    )
    if calendar.is_default:
        session.execute(update(Calendar).values(is_default=False))
    session.add(calendar)
    sla_revision.touch(session)
    return calendar


def get(session: Session, calendar_id: uuid.UUID) -> Calendar:
    """A calendar; 404 otherwise."""
    calendar = session.get(Calendar, calendar_id)
    if calendar is None:
        raise NotFound("no such calendar")
    return calendar


def replace(session: Session, calendar_id: uuid.UUID, data: dict[str, Any]) -> Calendar:
    """Change a calendar; clocks read it afresh, so every ticket's answer follows."""
    calendar = get(session, calendar_id)
    definition = data["definition"]
    if data.get("country"):
        definition = with_holidays(definition, data["country"], data.get("years") or [])
    calendar.definition = definition_of(checked(definition))
    calendar.name = data["name"]
    if data.get("is_default"):
        session.execute(update(Calendar).values(is_default=False))
        calendar.is_default = True
    calendar.updated_at = utcnow()
    sla_revision.touch(session)
    return calendar


def list_all(session: Session) -> list[Calendar]:
    """Every calendar, by name."""
    return list(session.scalars(select(Calendar).order_by(Calendar.name, Calendar.id)))


def set_for_customer(
    session: Session, customer_id: uuid.UUID, calendar_id: uuid.UUID | None
) -> None:
    """Serve a customer on its own calendar (None: back to the policy's or the default)."""
    if calendar_id is not None and session.get(Calendar, calendar_id) is None:
        raise ValidationFailed.field("calendar_id", "no such calendar")
    ref = session.get(CustomerRef, customer_id)
    if ref is None:
        raise NotFound("no such customer")
    ref.calendar_id = calendar_id
    sla_revision.touch(session)


# Built calendars by (id, last edit): each keeps its memo of days across
# requests, and an edit makes a new key, so no answer is ever stale.
_BUILT: dict[tuple[uuid.UUID, object], BusinessCalendar] = {}
_BUILT_LIMIT = 256


class CalendarCache:
    """Calendars of one request, in one query: every calendar's id and last edit,
    and which groups and customers (of those asked about) have a calendar of their
    own. A definition is read only for a calendar not built yet."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[uuid.UUID, Any] | None = None
        self._default: uuid.UUID | None = None
        self.of_group: dict[uuid.UUID, uuid.UUID] = {}
        self.of_customer: dict[uuid.UUID, uuid.UUID] = {}

    def load(self, customer_ids: Collection[uuid.UUID] = (), *, everyone: bool = False) -> None:
        """Read the calendars, the groups' and these customers' (or ``everyone``'s)
        calendar choices."""
        customers = select(
            literal("customer").label("kind"),
            CustomerRef.id,
            CustomerRef.calendar_id,
            null().cast(UTCDateTime).label("updated_at"),
            null().cast(Boolean).label("is_default"),
        ).where(CustomerRef.calendar_id.is_not(None))
        if not everyone and len(customer_ids) <= 1000:
            # Few customers have a calendar of their own; a big list reads them all.
            customers = customers.where(CustomerRef.id.in_(list(customer_ids)))
        rows = self.session.execute(
            union_all(
                select(
                    literal("calendar").label("kind"),
                    Calendar.id,
                    null().cast(Uuid).label("calendar_id"),
                    Calendar.updated_at,
                    Calendar.is_default,
                ),
                select(
                    literal("group"),
                    SupportGroup.id,
                    SupportGroup.calendar_id,
                    null().cast(UTCDateTime),
                    null().cast(Boolean),
                ).where(SupportGroup.calendar_id.is_not(None)),
                customers,
            )
        ).all()
        self._rows = {r.id: r.updated_at for r in rows if r.kind == "calendar"}
        self._default = min(
            (r.id for r in rows if r.kind == "calendar" and r.is_default), default=None
        )
        self.of_group = {r.id: r.calendar_id for r in rows if r.kind == "group"}
        self.of_customer = {r.id: r.calendar_id for r in rows if r.kind == "customer"}

    def _known(self) -> dict[uuid.UUID, Any]:
        if self._rows is None:
            self.load()
        assert self._rows is not None
        return self._rows

    def keyed(
        self, calendar_id: uuid.UUID | None, session: Session | None = None
    ) -> tuple[str, BusinessCalendar]:
        """The calendar with ``calendar_id`` (else the default, else always open) and a
        key naming it and its last edit, which changes whenever its answers may.
        ``session`` reads a definition not built yet (a cache kept across requests
        passes the current one)."""
        known = self._known()
        found = calendar_id if calendar_id is not None else self._default
        if found not in known:
            found = None
        if found is None:
            return "always-open", ALWAYS_OPEN
        edited = known[found]
        key = (found, edited)
        calendar = _BUILT.get(key)
        if calendar is None:
            definition = (session or self.session).scalar(
                select(Calendar.definition).where(Calendar.id == found)
            )
            if len(_BUILT) >= _BUILT_LIMIT:
                _BUILT.clear()
            calendar = _BUILT[key] = calendar_from_definition(definition or {})
        return f"{found}@{edited.isoformat()}", calendar

    def get(self, calendar_id: uuid.UUID | None) -> BusinessCalendar:
        """The calendar with ``calendar_id``, or the default one (or always open)."""
        return self.keyed(calendar_id)[1]
