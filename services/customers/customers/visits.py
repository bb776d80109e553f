"""Field visits: check-in where the rep stands, check-out (logged as a follow-up), photos."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from crm_shared import files
from crm_shared.auth import Principal, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound
from crm_shared.pagination import SortKey, paginate

from . import access, locking
from .conditional import rows_matched
from .followups import record_followup
from .models import Customer, Visit
from .rules import geo

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


def check_in(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    data: dict[str, Any],
    *,
    far_meters: float,
) -> Visit:
    """Start a visit where the rep stands; flag it when far from the customer's address."""
    customer, _ = access.load_for_work(session, principal, customer_id)
    locking.serialize_on(session, principal.id)
    open_visit = session.scalar(
        select(Visit.id).where(Visit.rep_id == principal.id, Visit.status == "checked_in")
    )
    if open_visit is not None:
        raise Conflict(f"check out of your open visit {open_visit} first", visit_id=str(open_visit))
    distance = None
    if customer.latitude is not None and customer.longitude is not None:
        distance = round(
            geo.haversine_m(
                data["latitude"], data["longitude"], customer.latitude, customer.longitude
            ),
            1,
        )
    now = utcnow()
    visit = Visit(
        id=uuid.uuid4(),
        customer_id=customer.id,
        rep_id=principal.id,
        team_id=principal.team_id,
        status="checked_in",
        check_in_at=now,
        check_in_latitude=data["latitude"],
        check_in_longitude=data["longitude"],
        check_in_accuracy_m=data.get("accuracy_m"),
        distance_m=distance,
        far_from_address=geo.is_far(distance, far_meters),
        purpose=data.get("purpose"),
        created_at=now,
    )
    session.add(visit)
    session.flush()
    return visit


def _visit_scope(session: Session, principal: Principal) -> Any:
    r = access.reach(session, principal)
    visible = select(Customer.id).where(access.visible_clause(r))
    return or_(scope_clause(principal, Visit.rep_id, Visit.team_id), Visit.customer_id.in_(visible))


def get_visit(session: Session, principal: Principal, visit_id: uuid.UUID) -> Visit:
    """A visit by the caller, their team (managers), or to a customer the caller sees."""
    visit = session.scalar(
        select(Visit).where(Visit.id == visit_id, _visit_scope(session, principal))
    )
    if visit is None:
        raise NotFound("no such visit")
    return visit


def _own_visit(session: Session, principal: Principal, visit_id: uuid.UUID) -> Visit:
    visit = get_visit(session, principal, visit_id)
    if visit.rep_id != principal.id:
        raise Forbidden("only the rep who checked in may change this visit")
    return visit


def check_out(
    session: Session,
    principal: Principal,
    visit_id: uuid.UUID,
    data: dict[str, Any],
    *,
    reminder_minutes: int,
) -> Visit:
    """End a visit; it is logged as a follow-up of kind ``visit`` (restarting the clock)."""
    visit = _own_visit(session, principal, visit_id)
    now = utcnow()
    ended = rows_matched(
        session,
        update(Visit)
        .where(Visit.id == visit.id, Visit.status == "checked_in")
        .values(
            status="checked_out",
            check_out_at=now,
            check_out_latitude=data["latitude"],
            check_out_longitude=data["longitude"],
            summary=data.get("summary"),
        )
        .execution_options(synchronize_session=False),
    )
    if ended != 1:
        raise Conflict("this visit is already checked out")
    session.refresh(visit)
    customer = session.get(Customer, visit.customer_id)
    if customer is not None and customer.owner_id is not None:
        content = data.get("summary") or visit.purpose or "Field visit"
        followup = record_followup(
            session,
            principal,
            customer,
            {
                "kind": "visit",
                "content": content,
                "outcome": data.get("outcome"),
                "occurred_at": visit.check_in_at,
                "next_followup_at": data.get("next_followup_at"),
            },
            reminder_minutes=reminder_minutes,
            visit_id=visit.id,
        )
        visit.followup_id = followup.id
    session.flush()
    return visit


def list_visits(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Visit], str | None]:
    """Visits the caller may see, newest first, by rep, customer, period or flag."""
    statement = select(Visit).where(_visit_scope(session, principal))
    for name in ("rep_id", "customer_id", "status"):
        if args.get(name):
            statement = statement.where(getattr(Visit, name) == args[name])
    if args.get("far_from_address") is not None:
        statement = statement.where(Visit.far_from_address.is_(args["far_from_address"]))
    if args.get("from_"):
        statement = statement.where(Visit.check_in_at >= args["from_"])
    if args.get("to"):
        statement = statement.where(Visit.check_in_at < args["to"])
    keys = [SortKey(Visit.check_in_at, "check_in_at", True), SortKey(Visit.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def attach_photo(
    session: Session,
    principal: Principal,
    visit_id: uuid.UUID,
    data: bytes,
    *,
    filename: str,
    declared_type: str | None,
    max_bytes: int,
) -> Visit:
    """Keep a visit's photo (JPEG, PNG or WebP, read from its bytes), replacing an older one."""
    visit = _own_visit(session, principal, visit_id)
    content_type = files.check_upload(
        data,
        field="photo",
        max_bytes=max_bytes,
        allowed_types=PHOTO_TYPES,
        declared_type=declared_type,
    )
    if visit.photo_file_id is not None:
        files.remove(session, visit.photo_file_id)
    visit.photo_file_id = files.save(
        session,
        purpose="visit-photo",
        filename=filename or "photo",
        content_type=content_type,
        data=data,
        created_by=principal.id,
    )
    visit.photo_content_type = content_type
    session.flush()
    return visit


def photo_of(session: Session, principal: Principal, visit_id: uuid.UUID) -> files.StoredFile:
    """A visit's photo."""
    visit = get_visit(session, principal, visit_id)
    stored = files.load(session, visit.photo_file_id) if visit.photo_file_id else None
    if stored is None:
        raise NotFound("this visit has no photo")
    return stored
