"""What the leads API does, over the database: thin glue around the rules."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import Principal, can_see, scope_clause
from crm_shared.db import utcnow
from crm_shared.errors import NotFound
from crm_shared.pagination import SortKey, paginate

from .lifecycle import check_can_close
from .models import Lead, LeadActivity


def create_lead(session: Session, principal: Principal, data: dict[str, Any]) -> Lead:
    """Capture a lead owned by its creator and announce it."""
    email = data.get("email")
    lead = Lead(
        id=uuid.uuid4(),
        name=data["name"].strip(),
        email=email.strip().lower() if email else None,
        phone=data.get("phone"),
        company=data.get("company"),
        source=data.get("source"),
        status="new",
        owner_id=principal.id,
        team_id=principal.team_id,
        created_by=principal.id,
        created_at=utcnow(),
    )
    session.add(lead)
    session.add(LeadActivity(lead_id=lead.id, kind="captured", actor_id=principal.id))
    outbox.publish(
        session,
        "lead.captured",
        {
            "lead_id": lead.id,
            "name": lead.name,
            "email": lead.email,
            "phone": lead.phone,
            "company": lead.company,
            "source": lead.source,
            "owner_id": lead.owner_id,
            "team_id": lead.team_id,
            "captured_at": lead.created_at,
        },
        subject=lead.id,
    )
    return lead


def get_lead(
    session: Session, principal: Principal, lead_id: uuid.UUID, *, lock: bool = False
) -> Lead:
    """A lead the caller may see; 404 otherwise (not 403: existence is not leaked)."""
    statement = select(Lead).where(Lead.id == lead_id)
    if lock:
        statement = statement.with_for_update()
    lead = session.scalars(statement).first()
    if lead is None or not can_see(principal, lead.owner_id, lead.team_id):
        raise NotFound("no such lead")
    return lead


def list_leads(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Lead], str | None]:
    """A page of the leads in the caller's scope, newest first."""
    statement = select(Lead).where(scope_clause(principal, Lead.owner_id, Lead.team_id))
    if args.get("status"):
        statement = statement.where(Lead.status == args["status"])
    if args.get("owner_id"):
        statement = statement.where(Lead.owner_id == args["owner_id"])
    keys = [SortKey(Lead.created_at, "created_at", True), SortKey(Lead.id, "id", True)]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def qualify_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """Qualify a lead and publish ``lead.qualified`` with what downstream needs."""
    lead = get_lead(session, principal, lead_id, lock=True)
    check_can_close(lead.status, "qualified")
    now = utcnow()
    lead.status = "qualified"
    lead.qualified_at = now
    lead.updated_at = now
    session.add(LeadActivity(lead_id=lead.id, kind="qualified", actor_id=principal.id))
    outbox.publish(
        session,
        "lead.qualified",
        {
            "lead_id": lead.id,
            "name": lead.name,
            "email": lead.email,
            "phone": lead.phone,
            "company": lead.company,
            "source": lead.source,
            "campaign_id": None,
            "score": None,
            "owner_id": lead.owner_id,
            "team_id": lead.team_id,
            "qualified_at": now,
        },
        subject=lead.id,
    )
    return lead
