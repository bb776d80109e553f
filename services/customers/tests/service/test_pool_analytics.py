"""Service tests of the pool analysis and of a rep's own limits before claiming."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from customers.models import OwnershipChange

from ..conftest import backdate, create, introduce, pooled, url

DEFAULT_POOL = "5f0c7a52-3d1e-5b0e-9c1a-0d6f2c1b7e01"
ANALYTICS = "/api/v1/customers/pool/analytics"


def _entered_hours_ago(svc, customer, hours: float) -> None:
    """Pretend the customer went into the pool ``hours`` ago."""
    with svc.db.transaction() as session:
        session.execute(
            update(OwnershipChange)
            .where(
                OwnershipChange.customer_id == uuid.UUID(customer["id"]),
                OwnershipChange.action.in_(("created", "recycled")),
            )
            .values(at=datetime.now(UTC) - timedelta(hours=hours))
        )


def _won(svc, customer, owner, amount: str) -> None:
    svc.deliver(
        svc.event(
            "deal.won",
            {
                "opportunity_id": str(uuid.uuid4()),
                "customer_id": customer["id"],
                "amount": amount,
                "currency": "USD",
                "owner_id": str(owner.id),
                "won_at": datetime.now(UTC).isoformat(),
            },
        )
    )


def test_pool_analysis_counts_claims_recycles_waits_and_wins_by_reason(svc):
    team = uuid.uuid4()
    admin, manager = svc.user("admin"), svc.user("manager", team_id=team)
    mine, other = svc.user(team_id=team), svc.user(team_id=uuid.uuid4())
    introduce(svc, admin, manager, mine, other)
    svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"rules": {"no_followup": {"days": 10}}},
        headers=admin.headers,
    )
    fresh, waited = pooled(svc, admin), pooled(svc, admin)
    stale = create(svc, other)
    backdate(svc, stale["id"], 11)
    recycled = svc.client.post("/api/v1/customers/pool/recycle", headers=admin.headers).json
    assert [r["customer_id"] for r in recycled["recycled"]] == [stale["id"]]
    _entered_hours_ago(svc, fresh, 48)
    _entered_hours_ago(svc, waited, 24)
    for who, customer in ((mine, fresh), (mine, stale), (other, waited)):
        claimed = svc.client.post(url(customer, "/claim"), headers=who.headers)
        assert claimed.status_code == 200, claimed.json
    _won(svc, fresh, mine, "700.00")
    _won(svc, fresh, mine, "300.00")

    everyone = svc.client.get(ANALYTICS, headers=admin.headers)
    assert everyone.status_code == 200, everyone.json
    body = everyone.json
    assert body["claims"] == 3 and body["recycles"] == 1
    assert abs(body["median_hours_to_claim"] - 24) < 0.1
    assert body["weeks"][-1]["claims"] == 3 and body["weeks"][-1]["recycles"] == 1
    assert len(body["weeks"]) >= 12
    assert body["by_reason"] == [
        {
            "reason": "new",
            "claims": 2,
            "claims_won": 1,
            "deals_won": 2,
            "won": [{"currency": "USD", "amount": "1000.00"}],
        },
        {"reason": "no_followup", "claims": 1, "claims_won": 0, "deals_won": 0, "won": []},
    ]
    [pool] = body["pools"]
    assert pool["pool_id"] == DEFAULT_POOL and pool["customers"] == 0

    # A team: its reps' claims, and recycles from its reps (none here).
    team_view = svc.client.get(ANALYTICS, query_string={"team_id": team}, headers=admin.headers)
    assert team_view.json["claims"] == 2 and team_view.json["recycles"] == 0
    assert [r["reason"] for r in team_view.json["by_reason"]] == ["new", "no_followup"]
    # A manager sees their own team's, whether they name it or not.
    own = svc.client.get(ANALYTICS, headers=manager.headers)
    assert own.status_code == 200 and own.json["claims"] == 2
    assert own.json["team_id"] == str(team)
    foreign = svc.client.get(
        ANALYTICS, query_string={"team_id": uuid.uuid4()}, headers=manager.headers
    )
    assert foreign.status_code == 403
    assert svc.client.get(ANALYTICS, headers=mine.headers).status_code == 403
    # A period without the claims counts none of them.
    past = svc.client.get(
        ANALYTICS, query_string={"from": "2020-01-01", "to": "2020-03-01"}, headers=admin.headers
    )
    assert past.json["claims"] == 0 and past.json["median_hours_to_claim"] is None
    assert past.json["weeks"][0]["week"] == "2019-12-30"


def test_pool_analysis_refuses_a_bad_period_naming_the_field(svc):
    admin = svc.user("admin")
    backwards = svc.client.get(
        ANALYTICS, query_string={"from": "2026-03-01", "to": "2026-01-01"}, headers=admin.headers
    )
    assert backwards.status_code == 422
    assert backwards.content_type.startswith("application/problem+json")
    assert "to" in str(backwards.json)
    too_long = svc.client.get(
        ANALYTICS, query_string={"from": "2020-01-01", "to": "2026-01-01"}, headers=admin.headers
    )
    assert too_long.status_code == 422 and "from" in str(too_long.json)
    not_a_date = svc.client.get(ANALYTICS, query_string={"from": "soon"}, headers=admin.headers)
    assert not_a_date.status_code == 422 and "from" in str(not_a_date.json)


def test_a_rep_sees_their_limit_before_claiming_and_the_claim_agrees(svc):
    admin, rep = svc.user("admin"), svc.user()
    assert (
        svc.client.put(
            "/api/v1/customers/ownership-limits",
            json={"max_owned": 2, "include_won": False},
            headers=admin.headers,
        ).status_code
        == 200
    )
    svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"rules": {"daily_claim_limit": 5}},
        headers=admin.headers,
    )
    unlimited = svc.client.get("/api/v1/customers/pool/my-limit", headers=admin.headers)
    assert unlimited.status_code == 200
    create(svc, rep)
    first, second = pooled(svc, admin), pooled(svc, admin)
    before = svc.client.get("/api/v1/customers/pool/my-limit", headers=rep.headers)
    assert before.status_code == 200, before.json
    assert before.json["max_owned"] == 2 and before.json["scope"] == "default"
    assert before.json["owned"] == 1 and before.json["remaining"] == 1
    assert before.json["pools"] == [
        {
            "pool_id": DEFAULT_POOL,
            "name": before.json["pools"][0]["name"],
            "daily_claim_limit": 5,
            "claimed_today": 0,
        }
    ]
    assert svc.client.post(url(first, "/claim"), headers=rep.headers).status_code == 200
    after = svc.client.get("/api/v1/customers/pool/my-limit", headers=rep.headers).json
    assert after["owned"] == 2 and after["remaining"] == 0
    assert after["pools"][0]["claimed_today"] == 1
    # The limit shown is the one the claim applies.
    refused = svc.client.post(url(second, "/claim"), headers=rep.headers)
    assert refused.status_code == 409 and refused.json["limit"]["max"] == 2
