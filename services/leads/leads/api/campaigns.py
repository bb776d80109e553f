"""Routes of campaigns and their results."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.schemas import PageArgsSchema
from crm_shared.web import (
    Blueprint,
    current_principal,
    db_session,
    require_roles,
)

from .. import campaigns
from ..schemas.campaigns import (
    CampaignInSchema,
    CampaignPageSchema,
    CampaignPatchSchema,
    CampaignSchema,
)

blp = Blueprint("campaigns", __name__, url_prefix="/api/v1/campaigns", description="Campaigns")


@blp.post("")
@require_roles(ADMIN, MANAGER)
@blp.arguments(CampaignInSchema)
@blp.response(201, CampaignSchema)
def create_campaign(data: dict[str, Any]) -> Any:
    """A new campaign (channel, budget, dates)."""
    session = db_session()
    campaign = campaigns.create_campaign(session, current_principal(), data)
    return campaigns.with_stats(session, [campaign])[0]


@blp.get("")
@blp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@blp.response(200, CampaignPageSchema)
def list_campaigns(**args: Any) -> dict[str, Any]:
    """Campaigns with their results, newest first."""
    session = db_session()
    items, cursor = campaigns.list_campaigns(session, args)
    return {"items": campaigns.with_stats(session, items), "next_cursor": cursor}


@blp.get("/<uuid:campaign_id>")
@blp.response(200, CampaignSchema)
def get_campaign(campaign_id: uuid.UUID) -> Any:
    """A campaign: leads captured, qualified, won, revenue, cost per lead and ROI."""
    session = db_session()
    return campaigns.with_stats(session, [campaigns.get_campaign(session, campaign_id)])[0]


@blp.patch("/<uuid:campaign_id>")
@require_roles(ADMIN, MANAGER)
@blp.arguments(CampaignPatchSchema(partial=True))
@blp.response(200, CampaignSchema)
def update_campaign(data: dict[str, Any], campaign_id: uuid.UUID) -> Any:
    """Change a campaign."""
    session = db_session()
    return campaigns.with_stats(session, [campaigns.update_campaign(session, campaign_id, data)])[0]
