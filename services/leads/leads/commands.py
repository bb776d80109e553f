"""What the leads API does, over the database: thin glue around the rules."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from crm_shared import outbox
from crm_shared.auth import MANAGER, Principal, can_see, scope_clause
from crm_shared.csv_export import csv_rows
from crm_shared.db import utcnow
from crm_shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from crm_shared.pagination import SortKey, paginate

from . import processing
from .capture import Captured, Context, capture_many
from .lifecycle import (
    BEHAVIOURS,
    OPEN_STATUSES,
    check_can_close,
    check_can_move,
    status_after_follow_up,
)
from .models import Campaign, Lead, LeadActivity, Member
from .normalise import FieldProblem, duplicate_key, normalise_email, normalise_phone

# Columns of our own export (and of its import preset): the round trip format.
EXPORT_COLUMNS = (
    "id",
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company",
    "title",
    "industry",
    "company_size",
    "region",
    "country",
    "state",
    "city",
    "website",
    "source",
    "channel",
    "product_interest",
    "status",
    "score",
    "owner_id",
    "campaign_id",
    "notes",
    "created_at",
)


def _is_manager(principal: Principal) -> bool:
    return principal.is_admin or principal.has_role(MANAGER)


def visible(principal: Principal) -> ColumnElement[bool]:
    """Leads the caller may see: their scope, plus the unassigned queue for managers."""
    clause = scope_clause(principal, Lead.owner_id, Lead.team_id)
    if principal.has_role(MANAGER) and not principal.is_admin:
        clause = or_(clause, Lead.owner_id.is_(None))
    return clause


def may_see(principal: Principal, lead: Lead) -> bool:
    """Whether the caller may see ``lead``."""
    if lead.owner_id is None and _is_manager(principal):
        return True
    return can_see(principal, lead.owner_id, lead.team_id)


def _clean_api_values(data: dict[str, Any], region: str) -> dict[str, Any]:
    values = dict(data)
    problems: list[FieldProblem] = []
    try:
        values["email"] = normalise_email(values.get("email"))
    except FieldProblem as problem:
        problems.append(problem)
    for key in ("phone", "mobile"):
        try:
            values[key] = normalise_phone(values.get(key), region, key)
        except FieldProblem as problem:
            problems.append(problem)
    if not values.get("name"):
        values["name"] = " ".join(
            v for v in (values.get("first_name"), values.get("last_name")) if v
        )
    values["name"] = values["name"].strip()
    if problems:
        raise ValidationFailed(
            "; ".join(str(p) for p in problems),
            errors=[{"field": p.field, "message": p.message} for p in problems],
        )
    return values


def _check_campaign(session: Session, campaign_id: uuid.UUID | None) -> None:
    if campaign_id is not None and session.get(Campaign, campaign_id) is None:
        raise ValidationFailed.field("campaign_id", "is not a known campaign")


def capture_one(
    session: Session, principal: Principal, data: dict[str, Any], region: str
) -> tuple[Any, bool]:
    """Capture one lead through the API: (the lead, whether it is new).

    The caller owns it unless ``auto_assign`` routes it by the rules. A lead
    matching an existing one by email or phone is a touch on that one.
    """
    values = _clean_api_values(data, region)
    _check_campaign(session, values.get("campaign_id"))
    ctx = Context(
        channel=values.get("channel") or "api",
        actor_id=principal.id,
        owner_id=principal.id,
        team_id=principal.team_id,
        auto_assign=bool(values.get("auto_assign")),
    )
    [result] = capture_many(session, [values], ctx)
    if result.created:
        return result.row, True
    return get_lead(session, principal, result.lead_id, allow_hidden=True), False


def capture_batch(
    session: Session,
    principal: Principal,
    items: list[dict[str, Any]],
    *,
    auto_assign: bool,
    region: str,
    load_item: Any,
) -> dict[str, Any]:
    """Capture up to 1,000 leads; a result per item, good ones kept when others fail."""
    results: list[dict[str, Any] | None] = [None] * len(items)
    good: list[tuple[int, dict[str, Any]]] = []
    campaigns: set[uuid.UUID] = set()
    for index, raw in enumerate(items):
        try:
            values = _clean_api_values(load_item(raw), region)
        except ValidationFailed as problem:
            results[index] = {
                "index": index,
                "status": "failed",
                "id": None,
                "errors": problem.errors or [],
            }
            continue
        except Exception as problem:  # marshmallow ValidationError
            from crm_shared.errors import field_errors

            messages = getattr(problem, "messages", str(problem))
            results[index] = {
                "index": index,
                "status": "failed",
                "id": None,
                "errors": field_errors(messages),
            }
            continue
        if values.get("campaign_id"):
            campaigns.add(values["campaign_id"])
        good.append((index, values))
    known = (
        set(session.scalars(select(Campaign.id).where(Campaign.id.in_(campaigns))))
        if campaigns
        else set()
    )
    valid = []
    for index, values in good:
        if values.get("campaign_id") and values["campaign_id"] not in known:
            results[index] = {
                "index": index,
                "status": "failed",
                "id": None,
                "errors": [{"field": "campaign_id", "message": "is not a known campaign"}],
            }
        else:
            valid.append((index, values))
    ctx = Context(
        channel="api_batch",
        actor_id=principal.id,
        owner_id=principal.id,
        team_id=principal.team_id,
        auto_assign=auto_assign,
    )
    captured: list[Captured] = capture_many(session, [v for _, v in valid], ctx) if valid else []
    for (index, _), result in zip(valid, captured, strict=True):
        results[index] = {
            "index": index,
            "status": "created" if result.created else "merged",
            "id": result.lead_id,
            "errors": [],
        }
    final = [r for r in results if r is not None]
    return {
        "created": sum(1 for r in final if r["status"] == "created"),
        "merged": sum(1 for r in final if r["status"] == "merged"),
        "failed": sum(1 for r in final if r["status"] == "failed"),
        "results": final,
    }


def get_lead(
    session: Session,
    principal: Principal,
    lead_id: uuid.UUID,
    *,
    lock: bool = False,
    allow_hidden: bool = False,
) -> Lead:
    """A lead the caller may see; 404 otherwise (not 403: existence is not leaked).

    ``allow_hidden``: the caller just captured it (a touch on someone else's
    lead), so they get it back even when it is outside their scope.
    """
    statement = select(Lead).where(Lead.id == lead_id)
    if lock:
        statement = statement.with_for_update()
    lead = session.scalars(statement).first()
    if lead is None or not (allow_hidden or may_see(principal, lead)):
        raise NotFound("no such lead")
    return lead


def list_leads(
    session: Session, principal: Principal, args: dict[str, Any]
) -> tuple[list[Lead], str | None]:
    """A page of the leads in the caller's scope, in the order asked for."""
    statement = select(Lead).where(visible(principal), Lead.merged_into_id.is_(None))
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
    if args.get("q"):
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
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def update_lead(
    session: Session, principal: Principal, lead_id: uuid.UUID, data: dict[str, Any], region: str
) -> Lead:
    """Correct a lead's facts; it is rescored by the worker."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.merged_into_id is not None:
        raise Conflict("lead was merged into another", merged_into_id=str(lead.merged_into_id))
    values = dict(data)
    try:
        if "email" in values:
            values["email"] = normalise_email(values["email"])
        for key in ("phone", "mobile"):
            if key in values:
                values[key] = normalise_phone(values[key], region, key)
    except FieldProblem as problem:
        raise ValidationFailed.field(problem.field, problem.message) from problem
    if "campaign_id" in values:
        _check_campaign(session, values["campaign_id"])
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
    processing.touched_by_follow_up(lead, "note", principal.id, now)
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


def qualify_lead(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """Qualify a lead and publish ``lead.qualified`` with what downstream needs."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.merged_into_id is not None:
        raise Conflict("lead was merged into another", merged_into_id=str(lead.merged_into_id))
    check_can_close(lead.status, "qualified")
    if lead.owner_id is None:
        # The customer created from it needs an owner: the one qualifying takes it.
        lead.owner_id, lead.team_id = principal.id, principal.team_id
        lead.assigned_at = utcnow()
    processing.mark_qualified(session, lead, principal.id, automatic=False)
    return lead


def disqualify_lead(
    session: Session, principal: Principal, lead_id: uuid.UUID, reason: str
) -> Lead:
    """Disqualify a lead with a reason and publish ``lead.disqualified``."""
    lead = get_lead(session, principal, lead_id, lock=True)
    check_can_close(lead.status, "disqualified")
    now = utcnow()
    lead.status = "disqualified"
    lead.disqualified_at = now
    lead.disqualified_reason = reason
    lead.updated_at = now
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="disqualified",
            note=reason,
            actor_id=principal.id,
            occurred_at=now,
        )
    )
    outbox.publish(
        session,
        "lead.disqualified",
        {
            "lead_id": lead.id,
            "reason": reason,
            "owner_id": lead.owner_id,
            "team_id": lead.team_id,
            "source": lead.source,
            "campaign_id": lead.campaign_id,
            "score": lead.score,
            "disqualified_by": principal.id,
            "disqualified_at": now,
        },
        subject=lead.id,
    )
    return lead


def add_activity(
    session: Session, principal: Principal, lead_id: uuid.UUID, data: dict[str, Any]
) -> LeadActivity:
    """Record a follow-up or a behaviour; the score follows at once."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.merged_into_id is not None:
        raise Conflict("lead was merged into another", merged_into_id=str(lead.merged_into_id))
    now = utcnow()
    when = data.get("occurred_at") or now
    if (when - now).total_seconds() > 300:
        raise ValidationFailed.field("occurred_at", "is in the future")
    activity = LeadActivity(
        id=uuid.uuid4(),
        lead_id=lead.id,
        kind=data["kind"],
        note=data.get("note"),
        actor_id=principal.id,
        occurred_at=when,
        next_step=data.get("next_step"),
        next_step_at=data.get("next_step_at"),
        details={"outcome": data["outcome"]} if data.get("outcome") else {},
    )
    session.add(activity)
    lead.last_activity_at = max(lead.last_activity_at or when, when)
    if data.get("next_step") is not None or data.get("next_step_at") is not None:
        lead.next_step = data.get("next_step")
        lead.next_step_at = data.get("next_step_at")
    processing.touched_by_follow_up(lead, data["kind"], principal.id, now)
    lead.status = status_after_follow_up(lead.status, data["kind"])
    lead.updated_at = now
    if data["kind"] in BEHAVIOURS:
        session.flush()
        rules = processing.load_rules(session)
        behaviour = processing.behaviour_of(session, [lead.id])[lead.id]
        settings = processing.qualification_settings(session)
        model = processing.current_model(session) if settings["model_enabled"] else None
        processing.rescore(lead, behaviour, rules, now, model, settings["model_weight"])
        if (
            settings["auto_qualify"]
            and lead.status in OPEN_STATUSES
            and lead.score >= settings["threshold"]
        ):
            processing.mark_qualified(session, lead, None, automatic=True)
    return activity


def list_activities(
    session: Session, principal: Principal, lead_id: uuid.UUID, args: dict[str, Any]
) -> tuple[list[LeadActivity], str | None]:
    """A lead's history, newest first."""
    get_lead(session, principal, lead_id)
    statement = select(LeadActivity).where(LeadActivity.lead_id == lead_id)
    keys = [
        SortKey(LeadActivity.occurred_at, "occurred_at", True),
        SortKey(LeadActivity.id, "id", True),
    ]
    return paginate(session, statement, keys, limit=args["limit"], cursor=args.get("cursor"))


def assign_manually(
    session: Session, principal: Principal, lead_id: uuid.UUID, owner_id: uuid.UUID, reason: str
) -> Lead:
    """A manager gives a lead to someone, with a reason."""
    if not _is_manager(principal):
        raise Forbidden("only managers and admins reassign leads")
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.status not in OPEN_STATUSES or lead.merged_into_id is not None:
        raise Conflict(f"a {lead.status} lead is not reassigned", current_status=lead.status)
    target = session.get(Member, owner_id)
    if target is None or not target.active:
        raise ValidationFailed.field("owner_id", "is not an active member")
    if not principal.is_admin and target.team_id != principal.team_id:
        raise ValidationFailed.field("owner_id", "is not in your team")
    if target.user_id == lead.owner_id:
        return lead
    member = processing.lock_member_under_cap(session, owner_id)
    if member is None:
        raise Conflict("this member is not taking leads or is at their open-lead cap")
    processing.record_assignment(
        session, lead, member, method="manual", now=utcnow(), reason=reason, actor_id=principal.id
    )
    return lead


_FILLABLE = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "company",
    "title",
    "industry",
    "company_size",
    "region",
    "country",
    "state",
    "city",
    "website",
    "product_interest",
    "campaign_id",
    "source",
    "channel",
)


def merge_leads(
    session: Session, principal: Principal, lead_id: uuid.UUID, other_id: uuid.UUID
) -> Lead:
    """Fold ``other`` into ``lead``: one lead, both histories, blanks filled from the other."""
    if lead_id == other_id:
        raise ValidationFailed.field("other_id", "is this same lead")
    # Lock in id order so two opposite merges cannot deadlock.
    first, second = sorted([lead_id, other_id])
    locked = {first: get_lead(session, principal, first, lock=True)}
    locked[second] = get_lead(session, principal, second, lock=True)
    lead, other = locked[lead_id], locked[other_id]
    for one in (lead, other):
        if one.merged_into_id is not None:
            raise Conflict("lead was already merged", lead_id=str(one.id))
    now = utcnow()
    snapshot = {
        k: (str(v) if isinstance(v, uuid.UUID) else v)
        for k, v in ((name, getattr(other, name)) for name in ("name", *_FILLABLE, "status"))
    }
    other.merged_into_id = lead.id
    other.updated_at = now
    session.flush()  # free the other's email and phone for the survivor
    filled = []
    for name in _FILLABLE:
        if getattr(lead, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(lead, name, getattr(other, name))
            filled.append(name)
    session.execute(
        update(LeadActivity)
        .where(LeadActivity.lead_id == other.id)
        .values(lead_id=lead.id)
        .execution_options(synchronize_session=False)
    )
    lead.touches += other.touches
    if lead.possible_duplicate_of == other.id:
        lead.possible_duplicate_of = None
    lead.duplicate_key = duplicate_key(lead.name, lead.company)
    lead.needs_processing = True
    lead.updated_at = now
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="merged",
            actor_id=principal.id,
            occurred_at=now,
            note=f"merged lead {other.id} into this one",
            details={"other_id": str(other.id), "other": snapshot, "filled": filled},
        )
    )
    session.add(
        LeadActivity(
            lead_id=other.id,
            kind="merged_into",
            actor_id=principal.id,
            occurred_at=now,
            details={"into_id": str(lead.id)},
        )
    )
    session.execute(
        update(Lead)
        .where(Lead.possible_duplicate_of == other.id, Lead.merged_into_id.is_(None))
        .values(possible_duplicate_of=lead.id)
        .execution_options(synchronize_session=False)
    )
    return lead


def dismiss_duplicate(session: Session, principal: Principal, lead_id: uuid.UUID) -> Lead:
    """The flagged pair are different people: clear the flag."""
    lead = get_lead(session, principal, lead_id, lock=True)
    if lead.possible_duplicate_of is None:
        return lead
    session.add(
        LeadActivity(
            lead_id=lead.id,
            kind="duplicate_dismissed",
            actor_id=principal.id,
            details={"other_id": str(lead.possible_duplicate_of)},
        )
    )
    lead.possible_duplicate_of = None
    lead.updated_at = utcnow()
    return lead


def export_csv(session: Session, principal: Principal, args: dict[str, Any]) -> Iterator[str]:
    """The caller's leads as CSV (UTF-8 with BOM, our import format), streamed."""
    statement = (
        select(Lead)
        .where(visible(principal), Lead.merged_into_id.is_(None))
        .order_by(Lead.created_at, Lead.id)
        .execution_options(yield_per=1000)
    )
    if args.get("status"):
        statement = statement.where(Lead.status == args["status"])
    if args.get("campaign_id"):
        statement = statement.where(Lead.campaign_id == args["campaign_id"])
    rows = ([getattr(lead, c) for c in EXPORT_COLUMNS] for lead in session.scalars(statement))
    yield from csv_rows(EXPORT_COLUMNS, rows)
