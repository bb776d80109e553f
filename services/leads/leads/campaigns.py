"""Campaigns: what they cost, what they brought (captured, qualified, won, revenue).

The figures themselves (cost per lead, ROI) are rules in
:mod:`leads.rules.campaign_figures`; ``deal.won`` credits a campaign here.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_shared.auth import Principal
from crm_shared.db import utcnow
from crm_shared.errors import NotFound, ValidationFailed
from crm_shared.events import Event, parse_time
from crm_shared.pagination import SortKey, paginate

from .models import Campaign, CampaignWin, Lead
from .rules import campaign_figures


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
        if campaign_id is None:
            continue
        counts[campaign_id]["captured"] += int(count)
        if status == "qualified":
            counts[campaign_id]["qualified"] += int(count)
    wins: dict[uuid.UUID, int] = defaultdict(int)
    revenue: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    for win in session.scalars(select(CampaignWin).where(CampaignWin.campaign_id.in_(ids))):
        if win.campaign_id is None:
            continue
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
        figures = campaign_figures.figures(budget=campaign.budget, currency=campaign.currency, **s)
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
