"""Campaigns: attribution of won deals and their figures."""

from __future__ import annotations

import uuid


def test_campaign_attribution_from_deal_won(svc):
    admin = svc.user("admin")
    campaign = svc.client.post(
        "/api/v1/campaigns",
        json={
            "name": "Spring",
            "channel": "ads",
            "budget": "1000.00",
            "currency": "USD",
            "starts_on": "2026-03-01",
            "ends_on": "2026-05-31",
        },
        headers=admin.headers,
    )
    assert campaign.status_code == 201, campaign.json
    cid = campaign.json["id"]
    bad = svc.client.post(
        "/api/v1/campaigns",
        json={"name": "X", "channel": "ads", "budget": "1.001", "currency": "USD"},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "budget"
    leads = [
        svc.client.post(
            "/api/v1/leads", json={"name": f"L{i}", "campaign_id": cid}, headers=admin.headers
        ).json
        for i in range(4)
    ]
    svc.client.post(f"/api/v1/leads/{leads[0]['id']}/qualify", headers=admin.headers)
    won = svc.event(
        "deal.won",
        {
            "opportunity_id": str(uuid.uuid4()),
            "customer_id": str(uuid.uuid4()),
            "amount": "2500.00",
            "currency": "USD",
            "owner_id": str(admin.id),
            "lead_id": leads[0]["id"],
            "won_at": "2026-06-01T10:00:00Z",
        },
    )
    assert svc.deliver(won)
    again = svc.event("deal.won", won.data)  # same deal, another event id
    svc.deliver(again)
    stats = svc.client.get(f"/api/v1/campaigns/{cid}", headers=admin.headers).json["stats"]
    assert stats["captured"] == 4 and stats["qualified"] == 1 and stats["won"] == 1
    assert stats["revenue"] == [{"amount": "2500.00", "currency": "USD"}]
    assert stats["cost_per_lead"] == "250.00"
    assert stats["roi"] == "1.5000"
    unknown = svc.client.post(
        "/api/v1/leads",
        json={"name": "X", "campaign_id": str(uuid.uuid4())},
        headers=admin.headers,
    )
    assert unknown.status_code == 422
