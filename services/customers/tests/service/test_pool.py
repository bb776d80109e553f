"""Service tests of the public pool: pools, limits, locking, assigning, recycling, audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from customers.models import Customer, OwnershipChange

from ..conftest import backdate, create, introduce, pooled, url

DEFAULT_POOL = "5f0c7a52-3d1e-5b0e-9c1a-0d6f2c1b7e01"


def test_the_default_pool_is_open_to_every_seller(svc):
    rep = svc.user()
    [pool] = svc.client.get("/api/v1/pools", headers=rep.headers).json["items"]
    assert pool["id"] == DEFAULT_POOL and pool["open_to_all"] and pool["is_default"]
    assert pool["rules"]["no_followup"] == {"enabled": True, "days": 30, "days_by_tier": {}}
    assert (
        svc.client.get("/api/v1/pools", headers=svc.user("service_agent").headers).json["items"]
        == []
    )


def test_closed_pools_show_their_customers_to_members_only(svc):
    admin, team = svc.user("admin"), uuid.uuid4()
    member, teammate, outsider = svc.user(), svc.user(team_id=team), svc.user()
    pool = svc.client.post(
        "/api/v1/pools",
        json={
            "name": "Key accounts",
            "members": [{"kind": "user", "id": str(member.id)}, {"kind": "team", "id": str(team)}],
            "hidden_fields": ["phone", "contacts"],
        },
        headers=admin.headers,
    )
    assert pool.status_code == 201, pool.json
    pool_id = pool.json["id"]
    customer = pooled(
        svc, admin, pool_id=pool_id, phone="+44 1", contacts=[{"name": "Ada", "phone": "+44 2"}]
    )
    for who in (member, teammate):
        seen = svc.client.get(url(customer), headers=who.headers)
        assert seen.status_code == 200
        assert seen.json["phone"] is None and seen.json["hidden_fields"] == ["contacts", "phone"]
        assert svc.client.get(url(customer, "/contacts"), headers=who.headers).json["items"] == []
        listed = svc.client.get(f"/api/v1/pools/{pool_id}/customers", headers=who.headers)
        assert [c["id"] for c in listed.json["items"]] == [customer["id"]]
    assert svc.client.get(url(customer), headers=outsider.headers).status_code == 404
    assert svc.client.post(url(customer, "/claim"), headers=outsider.headers).status_code == 404
    assert svc.client.get(f"/api/v1/pools/{pool_id}", headers=outsider.headers).status_code == 404
    # Admins see the hidden fields; once claimed, so does the new owner.
    assert svc.client.get(url(customer), headers=admin.headers).json["phone"] == "+44 1"
    claimed = svc.client.post(url(customer, "/claim"), headers=member.headers)
    assert claimed.status_code == 200
    assert claimed.json["phone"] == "+44 1" and claimed.json["hidden_fields"] == []
    [contact] = svc.client.get(url(customer, "/contacts"), headers=member.headers).json["items"]
    assert contact["phone"] == "+44 2" and contact["is_primary"]


def test_pool_list_sorts_the_best_customers_first(svc):
    admin, rep = svc.user("admin"), svc.user()
    low = pooled(svc, admin, name="Low", score=10)
    high = pooled(svc, admin, name="High", score=90)
    mid = pooled(svc, admin, name="Mid", score=50)
    with svc.db.transaction() as session:
        for cid, value in ((low["id"], "900"), (high["id"], "10"), (mid["id"], "100000.5")):
            session.execute(
                update(Customer).where(Customer.id == uuid.UUID(cid)).values(value=value)
            )
    by_score = svc.client.get(
        f"/api/v1/pools/{DEFAULT_POOL}/customers",
        query_string={"sort": "score"},
        headers=rep.headers,
    )
    assert [c["name"] for c in by_score.json["items"]] == ["High", "Mid", "Low"]
    first = svc.client.get(
        f"/api/v1/pools/{DEFAULT_POOL}/customers",
        query_string={"sort": "value", "limit": 2},
        headers=rep.headers,
    ).json
    assert [c["name"] for c in first["items"]] == ["Mid", "Low"]
    rest = svc.client.get(
        f"/api/v1/pools/{DEFAULT_POOL}/customers",
        query_string={"sort": "value", "limit": 2, "cursor": first["next_cursor"]},
        headers=rep.headers,
    ).json
    assert [c["name"] for c in rest["items"]] == ["High"] and rest["next_cursor"] is None


def test_ownership_limit_per_user_team_and_default_with_or_without_won(svc):
    admin, team = svc.user("admin"), uuid.uuid4()
    rep = svc.user(team_id=team)
    put = svc.client.put(
        "/api/v1/customers/ownership-limits",
        json={"team_id": str(team), "max_owned": 1, "include_won": False},
        headers=admin.headers,
    )
    assert put.status_code == 200 and put.json["subject"] == f"team:{team}"
    mine = create(svc, rep)
    first, second = pooled(svc, admin), pooled(svc, admin)
    hit = svc.client.post(url(first, "/claim"), headers=rep.headers)
    assert hit.status_code == 409
    assert hit.json["limit"] == {
        "name": "max_owned",
        "scope": "team",
        "max": 1,
        "current": 1,
        "include_won": False,
    }
    assert svc.events("customer.claimed") == []
    # A customer with a won deal does not count when include_won is false.
    with svc.db.transaction() as session:
        session.execute(
            update(Customer).where(Customer.id == uuid.UUID(mine["id"])).values(won_deals=1)
        )
    assert svc.client.post(url(first, "/claim"), headers=rep.headers).status_code == 200
    # The user's own limit beats the team's.
    svc.client.put(
        "/api/v1/customers/ownership-limits",
        json={"user_id": str(rep.id), "max_owned": 5},
        headers=admin.headers,
    )
    assert svc.client.post(url(second, "/claim"), headers=rep.headers).status_code == 200
    limits = svc.client.get("/api/v1/customers/ownership-limits", headers=admin.headers).json
    assert {item["subject"] for item in limits["items"]} == {f"team:{team}", f"user:{rep.id}"}
    assert (
        svc.client.put(
            "/api/v1/customers/ownership-limits", json={"max_owned": 1}, headers=rep.headers
        ).status_code
        == 403
    )


def test_daily_claim_limit_per_pool(svc):
    admin, rep = svc.user("admin"), svc.user()
    svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"rules": {"daily_claim_limit": 2}},
        headers=admin.headers,
    )
    customers = [pooled(svc, admin) for _ in range(3)]
    assert svc.client.post(url(customers[0], "/claim"), headers=rep.headers).status_code == 200
    assert svc.client.post(url(customers[1], "/claim"), headers=rep.headers).status_code == 200
    hit = svc.client.post(url(customers[2], "/claim"), headers=rep.headers)
    assert hit.status_code == 409 and hit.json["limit"]["name"] == "daily_claim_limit"
    assert hit.json["limit"]["max"] == 2
    # Releasing does not give claims back for the day.
    svc.client.post(url(customers[0], "/release"), json={"reason": "x"}, headers=rep.headers)
    assert svc.client.post(url(customers[2], "/claim"), headers=rep.headers).status_code == 409


def test_previous_owner_may_not_reclaim_within_d_days(svc):
    rep, other = svc.user(), svc.user()
    customer = create(svc, rep)
    svc.client.post(url(customer, "/release"), json={"reason": "no budget"}, headers=rep.headers)
    hit = svc.client.post(url(customer, "/claim"), headers=rep.headers)
    assert hit.status_code == 409 and hit.json["limit"]["name"] == "reclaim_block_days"
    assert hit.json["limit"]["max"] == 7
    with svc.db.transaction() as session:
        session.execute(
            update(Customer)
            .where(Customer.id == uuid.UUID(customer["id"]))
            .values(released_at=datetime.now(UTC) - timedelta(days=8))
        )
    assert svc.client.post(url(customer, "/claim"), headers=rep.headers).status_code == 200
    # Now it is rep's, out of other's sight: 404, not a 409 confirming it exists.
    assert svc.client.post(url(customer, "/claim"), headers=other.headers).status_code == 404


def test_lock_cap_and_locked_customers_are_not_recycled(svc):
    admin, rep = svc.user("admin"), svc.user()
    svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"rules": {"lock_cap": 1, "no_followup": {"days": 5}}},
        headers=admin.headers,
    )
    a, b = create(svc, rep), create(svc, rep)
    locked = svc.client.post(url(a, "/lock"), json={"reason": "big deal"}, headers=rep.headers)
    assert locked.status_code == 200 and locked.json["locked"]
    hit = svc.client.post(url(b, "/lock"), headers=rep.headers)
    assert hit.status_code == 409 and hit.json["limit"] == {
        "name": "lock_cap",
        "scope": "pool",
        "max": 1,
        "current": 1,
    }
    backdate(svc, a["id"], 10)
    backdate(svc, b["id"], 10)
    report = svc.client.post("/api/v1/customers/pool/recycle", headers=admin.headers).json
    assert [r["customer_id"] for r in report["recycled"]] == [b["id"]]
    assert svc.client.get(url(a), headers=rep.headers).json["owner_id"] == str(rep.id)
    unlocked = svc.client.delete(url(a, "/lock"), headers=rep.headers)
    assert unlocked.status_code == 200 and not unlocked.json["locked"]
    actions = [
        h["action"] for h in svc.client.get(url(a, "/ownership"), headers=rep.headers).json["items"]
    ]
    assert actions == ["created", "locked", "unlocked"]


def test_recycle_on_demand_applies_the_rules_and_publishes_the_reason(svc):
    admin, rep = svc.user("admin"), svc.user()
    svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"rules": {"no_followup": {"days": 10, "days_by_tier": {"churned": 0}}}},
        headers=admin.headers,
    )
    stale, fresh, exempt = create(svc, rep), create(svc, rep), create(svc, rep)
    backdate(svc, stale["id"], 11)
    backdate(svc, fresh["id"], 3)
    backdate(svc, exempt["id"], 40, open_opportunities=1)
    dry = svc.client.post(
        "/api/v1/customers/pool/recycle", json={"dry_run": True}, headers=admin.headers
    ).json
    assert [r["customer_id"] for r in dry["recycled"]] == [stale["id"]] and dry["dry_run"]
    assert svc.events("customer.recycled") == []
    assert svc.client.post("/api/v1/customers/pool/recycle", headers=rep.headers).status_code == 403
    report = svc.client.post("/api/v1/customers/pool/recycle", headers=admin.headers)
    assert report.status_code == 200
    assert report.json["evaluated"] == 3
    assert [r["customer_id"] for r in report.json["recycled"]] == [stale["id"]]
    [event] = svc.events("customer.recycled")
    assert event["data"]["previous_owner_id"] == str(rep.id)
    assert event["data"]["rule"] == "no_followup"
    assert event["data"]["reason"] == "recycled: no follow-up for 10 days (tier potential)"
    assert event["data"]["recycled_by"] is None
    after = svc.client.get(url(stale), headers=rep.headers).json
    assert after["in_pool"] and after["previous_owner_id"] == str(rep.id)
    # Zero days for a tier: due at once.
    with svc.db.transaction() as session:
        session.execute(
            update(Customer).where(Customer.id == uuid.UUID(fresh["id"])).values(tier="churned")
        )
    again = svc.client.post("/api/v1/customers/pool/recycle", headers=admin.headers).json
    assert [r["customer_id"] for r in again["recycled"]] == [fresh["id"]]


def test_the_worker_job_warns_once_k_days_before_then_recycles(svc):
    rep = svc.user()
    customer = create(svc, rep)
    backdate(svc, customer["id"], 28)  # due on day 30, warned from day 27
    svc.run_job("recycle")
    svc.run_job("recycle")
    [warning] = svc.events("customer.recycle_warning")
    assert warning["data"]["owner_id"] == str(rep.id) and warning["data"]["rule"] == "no_followup"
    shown = svc.client.get(url(customer), headers=rep.headers).json
    assert shown["recycle_rule"] == "no_followup" and shown["recycle_due_at"]
    backdate(svc, customer["id"], 31)
    svc.run_job("recycle")
    [recycled] = svc.events("customer.recycled")
    assert recycled["data"]["customer_id"] == customer["id"]


def test_a_followup_resets_the_recycling_clock(svc):
    admin, rep = svc.user("admin"), svc.user()
    customer = create(svc, rep)
    backdate(svc, customer["id"], 40)
    logged = svc.client.post(
        url(customer, "/followups"),
        json={"kind": "call", "content": "Discussed renewal"},
        headers=rep.headers,
    )
    assert logged.status_code == 201
    report = svc.client.post("/api/v1/customers/pool/recycle", headers=admin.headers).json
    assert report["recycled"] == []
    assert svc.client.get(url(customer), headers=rep.headers).json["owner_id"] == str(rep.id)


def test_manager_assigns_and_transfers_within_their_team(svc):
    team = uuid.uuid4()
    manager = svc.user("manager", team_id=team)
    rep, rep2 = svc.user(team_id=team), svc.user(team_id=team)
    stranger = svc.user(team_id=uuid.uuid4())
    introduce(svc, manager, rep, rep2, stranger)
    customer = pooled(svc, manager)
    assigned = svc.client.post(
        url(customer, "/assign"),
        json={"owner_id": str(rep.id), "reason": "territory"},
        headers=manager.headers,
    )
    assert assigned.status_code == 200, assigned.json
    assert assigned.json["owner_id"] == str(rep.id) and assigned.json["team_id"] == str(team)
    moved = svc.client.post(
        url(customer, "/assign"), json={"owner_id": str(rep2.id)}, headers=manager.headers
    )
    assert moved.status_code == 200
    outside = svc.client.post(
        url(customer, "/assign"), json={"owner_id": str(stranger.id)}, headers=manager.headers
    )
    assert outside.status_code == 422 and outside.json["errors"][0]["field"] == "owner_id"
    unknown = svc.client.post(
        url(customer, "/assign"), json={"owner_id": str(uuid.uuid4())}, headers=manager.headers
    )
    assert unknown.status_code == 422
    assert (
        svc.client.post(
            url(customer, "/assign"), json={"owner_id": str(rep.id)}, headers=rep2.headers
        ).status_code
        == 403
    )
    events = svc.events("customer.assigned")
    assert [(e["data"]["owner_id"], e["data"]["previous_owner_id"]) for e in events] == [
        (str(rep.id), None),
        (str(rep2.id), str(rep.id)),
    ]
    assert events[0]["data"]["reason"] == "territory"
    assert events[0]["data"]["assigned_by"] == str(manager.id)
    history = svc.client.get(url(customer, "/ownership"), headers=manager.headers).json["items"]
    assert [h["action"] for h in history] == ["created", "assigned", "transferred"]


def test_the_pool_is_auditable(svc):
    admin, rep, pool_admin = svc.user("admin"), svc.user(), svc.user()
    svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={"admins": [str(pool_admin.id)]},
        headers=admin.headers,
    )
    customer = create(svc, rep)
    svc.client.post(url(customer, "/release"), json={"reason": "moving on"}, headers=rep.headers)
    audit = svc.client.get(f"/api/v1/pools/{DEFAULT_POOL}/audit", headers=pool_admin.headers)
    assert audit.status_code == 200
    entries = audit.json["items"]
    assert [e["action"] for e in entries] == ["released", "created"]
    assert entries[0]["reason"] == "moving on" and entries[0]["from_owner_id"] == str(rep.id)
    assert entries[0]["actor_id"] == str(rep.id)
    only = svc.client.get(
        f"/api/v1/pools/{DEFAULT_POOL}/audit",
        query_string={"action": "released"},
        headers=admin.headers,
    ).json["items"]
    assert len(only) == 1
    assert (
        svc.client.get(f"/api/v1/pools/{DEFAULT_POOL}/audit", headers=rep.headers).status_code
        == 403
    )
    # Pool admins run recycling for their pool.
    ran = svc.client.post(
        "/api/v1/customers/pool/recycle", json={"pool_id": DEFAULT_POOL}, headers=pool_admin.headers
    )
    assert ran.status_code == 200


def test_pool_rules_refuse_bad_values_and_change_nothing(svc):
    admin = svc.user("admin")
    bad = svc.client.patch(
        f"/api/v1/pools/{DEFAULT_POOL}",
        json={
            "rules": {"no_followup": {"days": -1, "days_by_tier": {"gold": 3}}, "warn_days": 999}
        },
        headers=admin.headers,
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json["errors"]}
    assert {"rules.no_followup.days", "rules.warn_days"} <= fields
    pool = svc.client.get(f"/api/v1/pools/{DEFAULT_POOL}", headers=admin.headers).json
    assert pool["rules"]["no_followup"]["days"] == 30 and pool["rules"]["warn_days"] == 3


def test_release_into_another_pool_and_claim_audit_names_the_pool(svc):
    admin, rep = svc.user("admin"), svc.user()
    other = svc.client.post(
        "/api/v1/pools", json={"name": "Second", "open_to_all": True}, headers=admin.headers
    ).json
    customer = create(svc, rep)
    released = svc.client.post(
        url(customer, "/release"),
        json={"reason": "wrong region", "pool_id": other["id"]},
        headers=rep.headers,
    )
    assert released.status_code == 200 and released.json["pool_id"] == other["id"]
    with svc.db.session() as session:
        change = session.scalars(
            select(OwnershipChange).where(OwnershipChange.action == "released")
        ).one()
    assert str(change.pool_id) == other["id"]


def test_claiming_a_customer_out_of_sight_answers_404_not_409(svc):
    team = uuid.uuid4()
    owner, teammate = svc.user(team_id=team), svc.user(team_id=team)
    manager = svc.user("manager", team_id=team)
    customer = create(svc, owner)  # owned, in the default pool every seller belongs to
    hidden = svc.client.post(url(customer, "/claim"), headers=teammate.headers)
    # Same answer as for a customer that does not exist: nothing is confirmed.
    missing = svc.client.post(url(str(uuid.uuid4()), "/claim"), headers=teammate.headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["detail"] == missing.json["detail"]
    assert "owned" not in hidden.json["detail"]
    # A caller who may see it (the owner's manager) still learns why: 409.
    seen = svc.client.post(url(customer, "/claim"), headers=manager.headers)
    assert seen.status_code == 409 and "owned by someone else" in seen.json["detail"]
    # Nothing changed.
    again = svc.client.get(url(customer), headers=owner.headers).json
    assert again["owner_id"] == str(owner.id)
    assert svc.events("customer.claimed") == []
