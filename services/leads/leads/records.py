"""Lead records: the list, corrections to a lead, and its working status."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crm_shared import phones
from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, ValidationFailed
from crm_shared.pagination import SortKey

from .access import get_lead, page_of_leads
from .activities import touched_by_follow_up
from .capture_requests import check_campaign
from .models import Lead, LeadActivity
from .rules.lifecycle import check_can_move
from .rules.normalise import duplicate_key, normalise_contacts


def list_leads(
    session: Session, principal: Principal, args: dict[str, Any], region: str = "US"
) -> tuple[list[Lead], str | None]:
    """A page of the leads in the caller's scope, in the order asked for.

    ``q`` that looks like a phone number (national, E.164, with spaces or
    dashes) matches the phone or mobile it normalises to (read in
    ``region``); any other ``q`` is a prefix of the name, email or company.
    """
    statement = select(Lead).where(Lead.merged_into_id.is_(None))
    archived = Lead.archived_at.is_not(None)
    statement = statement.where(archived if args.get("archived") else ~archived)
    for name in ("status", "owner_id", "source", "channel", "campaign_id"):
        if args.get(name) is not None:
            statement = statement.where(getattr(Lead, name) == args[name])
    if args.get("min_score") is not None:
        statement = statement.where(Lead.score >= args["min_score"])
    if args.get("unassigned") is not None:
        statement = statement.where(
            Lead.owner_id.is_(None) if args["unassigned"] else Lead.owner_id.is_not(None)
        )
    if args.get("duplicates"):
        statement = statement.where(Lead.possible_duplicate_of.is_not(None))
    if args.get("q") and phones.looks_like_phone(args["q"]):
        forms = phones.search_forms(args["q"], region)
        statement = statement.where(or_(Lead.phone.in_(forms), Lead.mobile.in_(forms)))
    elif args.get("q"):
        prefix = args["q"].strip().lower().replace("%", "").replace("_", "") + "%"
        statement = statement.where(
            or_(Lead.email.like(prefix), Lead.name.ilike(prefix), Lead.company.ilike(prefix))
        )
    sort = args.get("sort") or "-created_at"
    descending = sort.startswith("-")
    column = Lead.score if sort.lstrip("-") == "score" else Lead.created_at
    keys = [
        SortKey(column, sort.lstrip("-"), descending),
        SortKey(Lead.id, "id", descending),
    ]
    return page_of_leads(session, principal, statement, keys, args)


def update_lead(
    session: Session, principal: Principal, lead_id: uuid.UUID, data: dict[str, Any], region: str
) -> Lead:
    """Correct a lead's facts; it is rescored by the worker."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.merged_into_id is not None:
        raise Conflict("lead was merged into another", merged_into_id=str(lead.merged_into_id))
    # Phones are read in the lead's country when the change does not name one.
    region = phones.pick_region(data.get("country") or lead.country, region) or region
    values, problems = normalise_contacts(data, region=region, only_present=True)
    if problems:
        raise ValidationFailed.field(problems[0].field, problems[0].message)
    if "campaign_id" in values:
        check_campaign(session, values["campaign_id"])
    for key in ("email", "phone"):
        if values.get(key) and values[key] != getattr(lead, key):
            clash = session.scalar(
                select(Lead.id).where(
                    getattr(Lead, key) == values[key],
                    Lead.merged_into_id.is_(None),
                    Lead.id != lead.id,
                )
            )
            if clash is not None:
                raise Conflict(
                    f"another lead has this {key}; merge them instead",
                    other_id=str(clash),
                )
    for key, value in values.items():
        setattr(lead, key, value)
    if "name" in values and not lead.name:
        raise ValidationFailed.field("name", "must not be empty")
    lead.duplicate_key = duplicate_key(lead.name, lead.company)
    lead.needs_processing = True
    lead.updated_at = utcnow()
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="updated",
            actor_id=principal.id,
            details={"fields": sorted(values)},
        )
    )
    return lead


def move_status(
    session: Session, principal: Principal, lead_id: uuid.UUID, status: str, note: str | None
) -> Lead:
    """Move a lead between working statuses (new → contacted → nurturing …)."""
    lead = get_lead(session, principal, lead_id, lock=True)
    check_can_move(lead.status, status)
    now = utcnow()
    previous = lead.status
    lead.status = status
    lead.updated_at = now
    touched_by_follow_up(lead, "note", principal.id, now)
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="status_changed",
            note=note,
            actor_id=principal.id,
            occurred_at=now,
            details={"from": previous, "to": status},
        )
    )
    return lead
