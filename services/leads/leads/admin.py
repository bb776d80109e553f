"""Configuration use cases: campaigns, sources, scoring and assignment rules, members."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import Forbidden, NotFound, ValidationFailed
from crm_shared.events import Event, parse_time
from crm_shared.pagination import SortKey, paginate

from . import campaigns as campaign_rules
from . import processing
from .forms import key_hash, new_key
from .model import features, train
from .models import (
    AssignmentRule,
    AssignmentRuleMember,
    Campaign,
    CampaignWin,
    Lead,
    LeadSource,
    Member,
    ScoringRule,
)

# ---------------------------------------------------------------- campaigns


def create_campaign(session: Session, principal: Principal, data: dict[str, Any]) -> Campaign:
    """A new campaign."""
    campaign = Campaign(id=uuid.uuid4(), created_by=principal.id, created_at=utcnow(), **data)
    session.add(campaign)
    session.flush()
    return campaign


def get_campaign(session: Session, campaign_id: uuid.UUID) -> Campaign:
    """A campaign; 404 otherwise."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound("no such campaign")
    return campaign


def update_campaign(session: Session, campaign_id: uuid.UUID, data: dict[str, Any]) -> Campaign:
    """Change a campaign."""
    campaign = get_campaign(session, campaign_id)
    for key, value in data.items():
        setattr(campaign, key, value)
    if campaign.budget is not None and campaign.currency is None:
        raise ValidationFailed.field("currency", "is required with a budget")
    campaign.updated_at = utcnow()
    return campaign


def campaign_stats(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Captured, qualified, won and revenue per campaign."""
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: {"captured": 0, "qualified": 0})
    if not ids:
        return {}
    rows = session.execute(
        select(Lead.campaign_id, Lead.status, func.count())
        .where(Lead.campaign_id.in_(ids), Lead.merged_into_id.is_(None))
        .group_by(Lead.campaign_id, Lead.status)
    )
    for campaign_id, status, count in rows:
        counts[campaign_id]["captured"] += int(count)
        if status == "qualified":
            counts[campaign_id]["qualified"] += int(count)
    wins: dict[uuid.UUID, int] = defaultdict(int)
    revenue: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    for win in session.scalars(select(CampaignWin).where(CampaignWin.campaign_id.in_(ids))):
        wins[win.campaign_id] += 1
        per = revenue[win.campaign_id]
        per[win.currency] = per.get(win.currency, Decimal(0)) + win.amount
    return {
        i: {
            "captured": counts[i]["captured"],
            "qualified": counts[i]["qualified"],
            "won": wins[i],
            "revenue": revenue[i],
        }
        for i in ids
    }


def with_stats(session: Session, items: list[Campaign]) -> list[dict[str, Any]]:
    """Campaigns with their figures (cost per lead, ROI)."""
    stats = campaign_stats(session, [c.id for c in items])
    out = []
    for campaign in items:
        s = stats.get(campaign.id) or {"captured": 0, "qualified": 0, "won": 0, "revenue": {}}
        figures = campaign_rules.figures(budget=campaign.budget, currency=campaign.currency, **s)
        out.append(
            {
                **{
                    c: getattr(campaign, c)
                    for c in (
                        "id",
                        "name",
                        "channel",
                        "description",
                        "budget",
                        "currency",
                        "starts_on",
                        "ends_on",
                        "active",
                        "created_at",
                    )
                },
                "stats": figures,
            }
        )
    return out


def list_campaigns(session: Session, args: dict[str, Any]) -> tuple[list[Campaign], str | None]:
    """Campaigns, newest first."""
    keys = [SortKey(Campaign.created_at, "created_at", True), SortKey(Campaign.id, "id", True)]
    return paginate(session, select(Campaign), keys, limit=args["limit"], cursor=args.get("cursor"))


def record_win(session: Session, event: Event) -> None:
    """``deal.won``: credit the campaign its lead came from (once per opportunity)."""
    data = event.data
    lead_id = data.get("lead_id")
    if not lead_id:
        return
    opportunity = uuid.UUID(data["opportunity_id"])
    if session.get(CampaignWin, opportunity) is not None:
        return
    lead = session.get(Lead, uuid.UUID(lead_id))
    while lead is not None and lead.merged_into_id is not None:
        lead = session.get(Lead, lead.merged_into_id)
    if lead is None:
        return
    session.add(
        CampaignWin(
            opportunity_id=opportunity,
            lead_id=lead.id,
            campaign_id=lead.campaign_id,
            amount=Decimal(data["amount"]),
            currency=data["currency"],
            won_at=parse_time(data["won_at"]),
        )
    )


# ---------------------------------------------------------------- sources


def create_source(session: Session, principal: Principal, data: dict[str, Any]) -> dict[str, Any]:
    """A new capture point; its form key is in this answer only."""
    if data.get("campaign_id"):
        get_campaign(session, data["campaign_id"])
    key = new_key()
    source = LeadSource(
        id=uuid.uuid4(),
        key_hash=key_hash(key),
        key_hint=key[:8],
        created_by=principal.id,
        created_at=utcnow(),
        **data,
    )
    session.add(source)
    session.flush()
    return {**_source_dict(source), "form_key": key}


def _source_dict(source: LeadSource) -> dict[str, Any]:
    return {
        c: getattr(source, c)
        for c in (
            "id",
            "name",
            "channel",
            "campaign_id",
            "allowed_origins",
            "honeypot_field",
            "per_key_per_minute",
            "per_client_per_minute",
            "active",
            "key_hint",
            "created_at",
        )
    }


def get_source(session: Session, source_id: uuid.UUID) -> LeadSource:
    """A source; 404 otherwise."""
    source = session.get(LeadSource, source_id)
    if source is None:
        raise NotFound("no such lead source")
    return source


def update_source(session: Session, source_id: uuid.UUID, data: dict[str, Any]) -> dict[str, Any]:
    """Change a source (not its key)."""
    source = get_source(session, source_id)
    if data.get("campaign_id"):
        get_campaign(session, data["campaign_id"])
    for key, value in data.items():
        setattr(source, key, value)
    source.updated_at = utcnow()
    return _source_dict(source)


def rotate_key(session: Session, source_id: uuid.UUID) -> dict[str, Any]:
    """Replace a source's form key; the old one stops working at once."""
    source = get_source(session, source_id)
    key = new_key()
    source.key_hash, source.key_hint = key_hash(key), key[:8]
    source.updated_at = utcnow()
    return {**_source_dict(source), "form_key": key}


def list_sources(session: Session, args: dict[str, Any]) -> tuple[list[dict], str | None]:
    """Sources, newest first."""
    keys = [SortKey(LeadSource.created_at, "created_at", True), SortKey(LeadSource.id, "id", True)]
    items, cursor = paginate(
        session, select(LeadSource), keys, limit=args["limit"], cursor=args.get("cursor")
    )
    return [_source_dict(s) for s in items], cursor


# ---------------------------------------------------------------- scoring


def list_scoring_rules(session: Session) -> list[ScoringRule]:
    """Every scoring rule, oldest first."""
    return list(session.scalars(select(ScoringRule).order_by(ScoringRule.created_at)))


def create_scoring_rule(session: Session, data: dict[str, Any]) -> ScoringRule:
    """A new rule; every open lead is rescored by the worker."""
    rule = ScoringRule(id=uuid.uuid4(), created_at=utcnow(), **data)
    session.add(rule)
    _rescore_open(session)
    return rule


def replace_scoring_rule(session: Session, rule_id: uuid.UUID, data: dict[str, Any]) -> ScoringRule:
    """Change a rule; open leads are rescored."""
    rule = session.get(ScoringRule, rule_id)
    if rule is None:
        raise NotFound("no such scoring rule")
    for key, value in data.items():
        setattr(rule, key, value)
    _rescore_open(session)
    return rule


def delete_scoring_rule(session: Session, rule_id: uuid.UUID) -> None:
    """Remove a rule; open leads are rescored."""
    rule = session.get(ScoringRule, rule_id)
    if rule is None:
        raise NotFound("no such scoring rule")
    session.delete(rule)
    _rescore_open(session)


def _rescore_open(session: Session) -> None:
    from sqlalchemy import update

    from .lifecycle import OPEN_STATUSES

    session.execute(
        update(Lead)
        .where(Lead.status.in_(OPEN_STATUSES), Lead.merged_into_id.is_(None))
        .values(needs_processing=True)
        .execution_options(synchronize_session=False)
    )


def set_qualification(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Store auto-qualification and model settings."""
    processing.put_setting(session, "qualification", data)
    return processing.qualification_settings(session)


def model_view(session: Session) -> dict[str, Any]:
    """The learned model's figures (optional feature)."""
    model = processing.current_model(session)
    if model is None:
        return {
            "trained": False,
            "accuracy": None,
            "baseline_accuracy": None,
            "trained_on": 0,
            "tested_on": 0,
            "top_features": [],
        }
    top = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:10]
    return {
        "trained": True,
        "accuracy": model.accuracy,
        "baseline_accuracy": model.baseline_accuracy,
        "trained_on": model.trained_on,
        "tested_on": model.tested_on,
        "top_features": [{"feature": k, "weight": round(v, 3)} for k, v in top],
    }


def train_model(session: Session) -> dict[str, Any]:
    """Learn from closed leads (qualified vs disqualified); needs at least 20."""
    leads = session.scalars(
        select(Lead).where(
            Lead.status.in_(("qualified", "disqualified")), Lead.merged_into_id.is_(None)
        )
    ).all()
    if len(leads) < 20:
        raise ValidationFailed.field(
            "leads", f"needs at least 20 qualified or disqualified leads; there are {len(leads)}"
        )
    behaviour = processing.behaviour_of(session, [lead.id for lead in leads])
    examples = []
    for lead in leads:
        counts: dict[str, int] = {}
        for kind, _ in behaviour[lead.id]:
            counts[kind] = counts.get(kind, 0) + 1
        examples.append(
            (
                str(lead.id),
                features(processing.lead_attributes(lead), counts),
                lead.status == "qualified",
            )
        )
    model = train(examples)
    processing.put_setting(session, "model", model.to_dict())
    return model_view(session)


# ---------------------------------------------------------------- assignment


def _rule_dict(session: Session, rule: AssignmentRule) -> dict[str, Any]:
    members = session.scalars(
        select(AssignmentRuleMember)
        .where(AssignmentRuleMember.rule_id == rule.id)
        .order_by(AssignmentRuleMember.position)
    ).all()
    return {
        **{
            c: getattr(rule, c)
            for c in (
                "id",
                "name",
                "priority",
                "strategy",
                "conditions",
                "response_minutes",
                "active",
            )
        },
        "members": [
            {"user_id": m.user_id, "position": m.position, "assigned_count": m.assigned_count}
            for m in members
        ],
    }


def list_assignment_rules(session: Session) -> list[dict[str, Any]]:
    """Rules in the order they are tried."""
    rules = session.scalars(
        select(AssignmentRule).order_by(AssignmentRule.priority, AssignmentRule.created_at)
    ).all()
    return [_rule_dict(session, r) for r in rules]


def _check_members(session: Session, principal: Principal, user_ids: list[uuid.UUID]) -> None:
    if len(set(user_ids)) != len(user_ids):
        raise ValidationFailed.field("members", "lists someone twice")
    known = {
        m.user_id: m for m in session.scalars(select(Member).where(Member.user_id.in_(user_ids)))
    }
    missing = [str(u) for u in user_ids if u not in known]
    if missing:
        raise ValidationFailed.field("members", "unknown users: " + ", ".join(missing))
    if not principal.is_admin:
        foreign = [str(u) for u in user_ids if known[u].team_id != principal.team_id]
        if foreign:
            raise ValidationFailed.field("members", "not in your team: " + ", ".join(foreign))


def save_assignment_rule(
    session: Session, principal: Principal, data: dict[str, Any], rule_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """Create or replace a routing rule and its rotation."""
    members = data.pop("members")
    _check_members(session, principal, members)
    if rule_id is None:
        rule = AssignmentRule(id=uuid.uuid4(), created_at=utcnow(), cursor=-1, **data)
        session.add(rule)
        session.flush()
        previous: dict[uuid.UUID, int] = {}
    else:
        rule = session.execute(
            select(AssignmentRule).where(AssignmentRule.id == rule_id).with_for_update()
        ).scalar_one_or_none()
        if rule is None:
            raise NotFound("no such assignment rule")
        for key, value in data.items():
            setattr(rule, key, value)
        rule.updated_at = utcnow()
        previous = {
            m.user_id: m.assigned_count
            for m in session.scalars(
                select(AssignmentRuleMember).where(AssignmentRuleMember.rule_id == rule.id)
            )
        }
        session.execute(delete(AssignmentRuleMember).where(AssignmentRuleMember.rule_id == rule.id))
        rule.cursor = -1
    for position, user_id in enumerate(members):
        session.add(
            AssignmentRuleMember(
                rule_id=rule.id,
                user_id=user_id,
                position=position,
                assigned_count=previous.get(user_id, 0),
            )
        )
    session.flush()
    return _rule_dict(session, rule)


def delete_assignment_rule(session: Session, rule_id: uuid.UUID) -> None:
    """Remove a routing rule."""
    rule = session.get(AssignmentRule, rule_id)
    if rule is None:
        raise NotFound("no such assignment rule")
    session.delete(rule)


def list_members(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Members with their open-lead load (a manager sees their team)."""
    statement = select(Member).order_by(Member.username)
    if not principal.is_admin:
        statement = statement.where(Member.team_id == principal.team_id)
    members = session.scalars(statement).all()
    loads = processing.open_leads(session, [m.user_id for m in members])
    return [_member_dict(m, loads.get(m.user_id, 0)) for m in members]


def _member_dict(member: Member, open_leads: int) -> dict[str, Any]:
    return {
        **{
            c: getattr(member, c)
            for c in (
                "user_id",
                "username",
                "team_id",
                "roles",
                "active",
                "accepting",
                "capacity",
                "max_open_leads",
                "conversion_rate",
                "response_minutes",
            )
        },
        "open_leads": open_leads,
    }


def update_member(
    session: Session, principal: Principal, user_id: uuid.UUID, data: dict[str, Any]
) -> dict[str, Any]:
    """Change leads' own settings for a member (capacity, cap, accepting)."""
    member = session.execute(
        select(Member).where(Member.user_id == user_id).with_for_update()
    ).scalar_one_or_none()
    if member is None or (not principal.is_admin and member.team_id != principal.team_id):
        raise NotFound("no such member")
    for key, value in data.items():
        setattr(member, key, value)
    member.updated_at = utcnow()
    return _member_dict(member, processing.open_leads(session, [user_id]).get(user_id, 0))


def upsert_member(session: Session, event: Event) -> None:
    """``user.created`` / ``user.updated``: keep the members copy, newest event wins."""
    data = event.data
    user_id = uuid.UUID(data["user_id"])
    member = session.execute(
        select(Member).where(Member.user_id == user_id).with_for_update()
    ).scalar_one_or_none()
    if member is None:
        member = Member(user_id=user_id, accepting=True, capacity=1, updated_at=utcnow())
        session.add(member)
    elif member.user_event_time is not None and member.user_event_time > event.time:
        return  # an older event arriving late changes nothing
    member.username = data["username"]
    member.team_id = uuid.UUID(data["team_id"]) if data.get("team_id") else None
    member.roles = list(data.get("roles") or [])
    member.active = bool(data["active"])
    member.user_event_time = event.time
    member.updated_at = utcnow()


def require_manager(principal: Principal) -> None:
    """Configuration is for managers and admins."""
    if not (principal.is_admin or principal.has_role("manager")):
        raise Forbidden("requires one of the roles: admin, manager")
