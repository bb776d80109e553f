"""Working a customer: contacts, follow-ups and field visits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from crm_shared import files, outbox
from crm_shared.auth import Principal, scope_clause
from crm_shared.db import UTCDateTime, utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import access, geo, store
from .access import Reach
from .models import Contact, Customer, FollowUp, Task, Visit

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
# A follow-up may be logged a little ahead of the server's clock (phones drift).
CLOCK_SKEW = timedelta(minutes=5)


# ---------------------------------------------------------------- contacts


def _masked_contact(contact: Contact, hidden: set[str]) -> dict[str, Any]:
    data = {c.key: getattr(contact, c.key) for c in Contact.__table__.columns}
    if "email" in hidden:
        data["email"] = None
    if "phone" in hidden:
        data["phone"] = None
    return data


def _hidden(session: Session, r: Reach, customer: Customer) -> set[str]:
    from .commands import hidden_for

    return hidden_for(r, customer, store.hidden_fields_by_pool(session))


def contacts_of(
    session: Session, principal: Principal, customer_id: uuid.UUID
) -> list[dict[str, Any]]:
    """A customer's contacts, primary first (none while a pool hides them)."""
    customer, r = access.load(session, principal, customer_id)
    hidden = _hidden(session, r, customer)
    if "contacts" in hidden:
        return []
    rows = session.scalars(
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.is_primary.desc(), Contact.created_at, Contact.id)
    )
    return [_masked_contact(c, hidden) for c in rows]


def _make_primary(session: Session, contact: Contact) -> None:
    # Clear the old primary first: the unique index allows one per customer.
    session.execute(
        update(Contact)
        .where(Contact.customer_id == contact.customer_id, Contact.id != contact.id)
        .values(is_primary=False)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    contact.is_primary = True
    session.flush()


def add_contact(
    session: Session, principal: Principal, customer_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """A new contact; the first one, or one marked primary, becomes the primary contact."""
    access.load_for_work(session, principal, customer_id)
    primary = data.pop("is_primary", False)
    has_primary = session.scalar(
        select(Contact.id).where(Contact.customer_id == customer_id, Contact.is_primary.is_(True))
    )
    contact = Contact(
        id=uuid.uuid4(), customer_id=customer_id, created_by=principal.id, is_primary=False, **data
    )
    session.add(contact)
    session.flush()
    if primary or has_primary is None:
        _make_primary(session, contact)
    return _masked_contact(contact, set())


def _contact(session: Session, principal: Principal, contact_id: uuid.UUID, work: bool) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("no such contact")
    try:
        if work:
            access.load_for_work(session, principal, contact.customer_id)
        else:
            customer, r = access.load(session, principal, contact.customer_id)
            if "contacts" in _hidden(session, r, customer):
                raise NotFound("no such contact")
    except NotFound:
        raise NotFound("no such contact") from None
    return contact


def get_contact(session: Session, principal: Principal, contact_id: uuid.UUID) -> dict[str, Any]:
    """One contact of a customer the caller may see."""
    contact = _contact(session, principal, contact_id, work=False)
    customer, r = access.load(session, principal, contact.customer_id)
    return _masked_contact(contact, _hidden(session, r, customer))


def update_contact(
    session: Session, principal: Principal, contact_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Change a contact; ``is_primary: true`` makes it the primary contact."""
    contact = _contact(session, principal, contact_id, work=True)
    primary = data.pop("is_primary", None)
    if primary is False and contact.is_primary:
        raise ValidationFailed.field(
            "is_primary", "make another contact primary instead of unsetting this one"
        )
    for name, value in data.items():
        setattr(contact, name, value)
    contact.updated_at = utcnow()
    session.flush()
    if primary:
        _make_primary(session, contact)
    return _masked_contact(contact, set())


def delete_contact(session: Session, principal: Principal, contact_id: uuid.UUID) -> None:
    """Remove a contact; when it was the primary one, the oldest other becomes primary."""
    contact = _contact(session, principal, contact_id, work=True)
    was_primary, customer_id = contact.is_primary, contact.customer_id
    session.delete(contact)
    session.flush()
    if was_primary:
        successor = session.scalar(
            select(Contact)
            .where(Contact.customer_id == customer_id)
            .order_by(Contact.created_at, Contact.id)
            .limit(1)
        )
        if successor is not None:
            _make_primary(session, successor)


# ---------------------------------------------------------------- follow-ups


def record_followup(
    session: Session,
    principal: Principal,
    customer: Customer,
    data: dict[str, Any],
    *,
    reminder_minutes: int,
    visit_id: uuid.UUID | None = None,
) -> FollowUp:
    """Log a follow-up, restart the customer's no-follow-up clock, plan the next one.

    The customer's update names the owner the caller saw: when the customer
    was recycled meanwhile the follow-up is refused (409) rather than logged
    against a customer that is no longer theirs.
    """
    now = utcnow()
    occurred = data.get("occurred_at") or now
    if occurred > now + CLOCK_SKEW:
        raise ValidationFailed.field("occurred_at", "is in the future")
    next_at = data.get("next_followup_at")
    if next_at is not None and next_at <= occurred:
        raise ValidationFailed.field("next_followup_at", "must be after occurred_at")
    contact_id = data.get("contact_id")
    if contact_id is not None:
        owner = session.scalar(select(Contact.customer_id).where(Contact.id == contact_id))
        if owner != customer.id:
            raise ValidationFailed.field("contact_id", "is not a contact of this customer")
    stamp = literal(occurred, UTCDateTime())
    values: dict[str, Any] = {
        # The latest follow-up wins even when an older one is logged late.
        "last_followup_at": case(
            (Customer.last_followup_at.is_(None), stamp),
            (Customer.last_followup_at < stamp, stamp),
            else_=Customer.last_followup_at,
        ),
        "updated_at": now,
        "version": Customer.version + 1,
    }
    if next_at is not None:
        values["next_followup_at"] = next_at
    touched = session.execute(
        update(Customer)
        .where(Customer.id == customer.id, Customer.owner_id == customer.owner_id)
        .where(Customer.owner_id.is_not(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if touched != 1:
        raise Conflict("the customer went back to the pool or changed owner meanwhile")
    followup = FollowUp(
        id=uuid.uuid4(),
        customer_id=customer.id,
        contact_id=contact_id,
        kind=data["kind"],
        content=data["content"],
        outcome=data.get("outcome"),
        occurred_at=occurred,
        next_followup_at=next_at,
        author_id=principal.id,
        team_id=principal.team_id,
        visit_id=visit_id,
        created_at=now,
    )
    session.add(followup)
    # A logged follow-up fulfils the author's open planned follow-ups of this customer
    # (a new one is planned below when the rep names the next date).
    session.execute(
        update(Task)
        .where(
            Task.customer_id == customer.id,
            Task.owner_id == principal.id,
            Task.kind == "followup",
            Task.completed_at.is_(None),
        )
        .values(completed_at=now, updated_at=now, sequence=Task.sequence + 1)
        .execution_options(synchronize_session=False)
    )
    if next_at is not None:
        session.add(
            Task(
                id=uuid.uuid4(),
                owner_id=principal.id,
                team_id=principal.team_id,
                customer_id=customer.id,
                kind="followup",
                title=f"Follow up: {customer.name}"[:200],
                notes=data.get("outcome"),
                priority="normal",
                due_at=next_at,
                duration_minutes=30,
                remind_at=next_at - timedelta(minutes=reminder_minutes)
                if reminder_minutes
                else None,
                followup_id=followup.id,
                created_by=principal.id,
            )
        )
    session.flush()
    outbox.publish(
        session,
        "followup.logged",
        {
            "followup_id": followup.id,
            "customer_id": customer.id,
            "contact_id": contact_id,
            "kind": followup.kind,
            "outcome": followup.outcome,
            "author_id": principal.id,
            "owner_id": customer.owner_id,
            "team_id": customer.team_id,
            "occurred_at": occurred,
            "next_followup_at": next_at,
        },
        subject=customer.id,
    )
    session.refresh(customer)
    return followup


def log_followup(
    session: Session,
    principal: Principal,
    customer_id: uuid.UUID,
    data: dict[str, Any],
    *,
    reminder_minutes: int,
) -> FollowUp:
    """Log a follow-up with a customer the caller works."""
    customer, _ = access.load_for_work(session, principal, customer_id)
    return record_followup(session, principal, customer, data, reminder_minutes=reminder_minutes)


def _followup_scope(session: Session, principal: Principal) -> Any:
    r = access.reach(session, principal)
    visible = select(Customer.id).where(access.visible_clause(r))
    return or_(FollowUp.author_id == principal.id, FollowUp.customer_id.in_(visible))


def list_followups(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[FollowUp], str | None]:
    """Follow-ups the caller may see (theirs, and those of customers they see), newest first."""
    statement = select(FollowUp).where(_followup_scope(session, principal))
    if args.get("customer_id"):
        statement = statement.where(FollowUp.customer_id == args["customer_id"])
    if args.get("author_id"):
        statement = statement.where(FollowUp.author_id == args["author_id"])
    if args.get("kind"):
        statement = statement.where(FollowUp.kind == args["kind"])
    if args.get("from_"):
        statement = statement.where(FollowUp.occurred_at >= args["from_"])
    if args.get("to"):
        statement = statement.where(FollowUp.occurred_at < args["to"])
    keys = [SortKey(FollowUp.occurred_at, "occurred_at", True), SortKey(FollowUp.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def get_followup(session: Session, principal: Principal, followup_id: uuid.UUID) -> FollowUp:
    """One follow-up the caller may see."""
    found = session.scalar(
        select(FollowUp).where(FollowUp.id == followup_id, _followup_scope(session, principal))
    )
    if found is None:
        raise NotFound("no such follow-up")
    return found


# ---------------------------------------------------------------- visits


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
    store.serialize_on(session, principal.id)
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
    ended = session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.status == "checked_in")
        .values(
            status="checked_out",
            check_out_at=now,
            check_out_latitude=data["latitude"],
            check_out_longitude=data["longitude"],
            summary=data.get("summary"),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
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
