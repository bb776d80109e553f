"""Customers through the gateway: the pool, limits, recycling, follow-ups, the 360° view.

Every call goes through the gateway with a bearer token (the calendar feed
without one, as a calendar app would); everything another service learns
travels as an event on the bus.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import ADMIN_PASSWORD, System, eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crew(system: System) -> dict[str, dict[str, str]]:
    """An admin, a manager and two reps of one team, and a rep of another."""
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    teams = {}
    for name in ("north", "south"):
        team = system.call("POST", "/api/v1/teams", admin, json={"name": f"{name} {suffix}"})
        assert team.status_code == 201, team.text
        teams[name] = team.json()["id"]
    people = {"admin": {"token": admin}}
    for name, roles, team in (
        ("manager", ["manager"], "north"),
        ("rep", ["rep"], "north"),
        ("rep2", ["rep"], "north"),
        ("other", ["rep"], "south"),
    ):
        username = f"c-{name}-{suffix}"
        created = system.call(
            "POST",
            "/api/v1/users",
            admin,
            json={
                "username": username,
                "password": "a-long-password",
                "roles": roles,
                "team_id": teams[team],
            },
        )
        assert created.status_code == 201, created.text
        people[name] = {
            "token": system.token(username, "a-long-password"),
            "id": created.json()["id"],
        }
    return people


def new_customer(system: System, token: str, **body) -> dict:
    body.setdefault("name", f"Customer {uuid.uuid4().hex[:6]}")
    response = system.call("POST", "/api/v1/customers", token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_pool_release_claim_limit_and_scope(system: System, crew) -> None:
    admin, rep, rep2, other = (crew[n]["token"] for n in ("admin", "rep", "rep2", "other"))
    customer = new_customer(system, rep, phone="+44 20 7946 0000")
    path = f"/api/v1/customers/{customer['id']}"
    assert system.call("GET", path, other).status_code == 404
    assert system.call("GET", path + "/360", other).status_code == 404
    released = system.call("POST", path + "/release", rep, json={"reason": "no budget"})
    assert released.status_code == 200, released.text
    assert released.json()["in_pool"] is True
    # The previous owner waits; someone else may claim at once.
    again = system.call("POST", path + "/claim", rep)
    assert again.status_code == 409 and again.json()["limit"]["name"] == "reclaim_block_days"
    claimed = system.call("POST", path + "/claim", rep2)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["owner_id"] == crew["rep2"]["id"]
    # Owned by rep2 now, so out of other's scope: 404, confirming nothing.
    assert system.call("POST", path + "/claim", other).status_code == 404
    # An ownership limit, hit by the next claim, names itself.
    limit = system.call(
        "PUT",
        "/api/v1/customers/ownership-limits",
        admin,
        json={"user_id": crew["rep2"]["id"], "max_owned": 1},
    )
    assert limit.status_code == 200, limit.text
    spare = new_customer(system, admin, in_pool=True)
    hit = system.call("POST", f"/api/v1/customers/{spare['id']}/claim", rep2)
    assert hit.status_code == 409, hit.text
    assert hit.headers["Content-Type"].startswith("application/problem+json")
    assert hit.json()["limit"] == {
        "name": "max_owned",
        "scope": "user",
        "max": 1,
        "current": 1,
        "include_won": True,
    }
    audit = system.call("GET", f"/api/v1/customers/{customer['id']}/ownership", admin).json()
    assert [h["action"] for h in audit["items"]] == ["created", "released", "claimed"]


def test_manager_assigns_to_a_rep_known_from_the_gateways_events(system: System, crew) -> None:
    manager, admin = crew["manager"]["token"], crew["admin"]["token"]
    customer = new_customer(system, admin, in_pool=True)

    def assigned():
        response = system.call(
            "POST",
            f"/api/v1/customers/{customer['id']}/assign",
            manager,
            json={"owner_id": crew["rep"]["id"], "reason": "territory"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    # The customers service knows the rep from user.created once it has flowed.
    assert eventually(assigned)["owner_id"] == crew["rep"]["id"]


def test_recycle_on_demand_publishes_customer_recycled(system: System, crew) -> None:
    admin, rep = crew["admin"]["token"], crew["rep"]["token"]
    pool = system.call(
        "POST",
        "/api/v1/pools",
        admin,
        json={
            "name": f"Fast {uuid.uuid4().hex[:6]}",
            "open_to_all": True,
            "rules": {
                "no_followup": {"enabled": True, "days": 30, "days_by_tier": {"potential": 0}}
            },
        },
    )
    assert pool.status_code == 201, pool.text
    lead = system.call(
        "POST", "/api/v1/leads", rep, json={"name": "Grace Hopper", "company": "Cobol Inc"}
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    assert system.call("POST", f"/api/v1/leads/{lead_id}/qualify", rep).status_code == 200
    customer = eventually(
        lambda: system.call("GET", "/api/v1/customers", rep, params={"lead_id": lead_id}).json()[
            "items"
        ][0]
    )
    moved = system.call(
        "PATCH", f"/api/v1/customers/{customer['id']}", admin, json={"pool_id": pool.json()["id"]}
    )
    assert moved.status_code == 200, moved.text
    report = system.call(
        "POST", "/api/v1/customers/pool/recycle", admin, json={"pool_id": pool.json()["id"]}
    )
    assert report.status_code == 200, report.text
    assert [r["customer_id"] for r in report.json()["recycled"]] == [customer["id"]]
    assert system.call("GET", f"/api/v1/customers/{customer['id']}", rep).json()["in_pool"]

    # The leads service consumed customer.recycled into the lead's history.
    def recorded():
        history = system.call("GET", f"/api/v1/leads/{lead_id}/activities", rep).json()["items"]
        found = [a for a in history if a["kind"] == "customer_recycled"]
        assert found, history
        return found[0]

    activity = eventually(recorded)
    assert activity["note"].startswith("recycled: no follow-up for 0 days")


def test_a_followup_resets_the_recycling_clock(system: System, crew) -> None:
    admin, rep = crew["admin"]["token"], crew["rep"]["token"]
    pool = system.call(
        "POST",
        "/api/v1/pools",
        admin,
        json={
            "name": f"Clock {uuid.uuid4().hex[:6]}",
            "open_to_all": True,
            "rules": {"no_followup": {"enabled": True, "days": 2}, "warn_days": 0},
        },
    ).json()
    customer = new_customer(system, rep, pool_id=pool["id"])
    path = f"/api/v1/customers/{customer['id']}"
    system.call("POST", "/api/v1/customers/pool/recycle", admin, json={"pool_id": pool["id"]})
    before = system.call("GET", path, rep).json()["recycle_due_at"]
    assert before is not None
    logged = system.call(
        "POST",
        path + "/followups",
        rep,
        json={
            "kind": "call",
            "content": "Discussed the renewal",
            "next_followup_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
    )
    assert logged.status_code == 201, logged.text
    system.call("POST", "/api/v1/customers/pool/recycle", admin, json={"pool_id": pool["id"]})
    after = system.call("GET", path, rep).json()
    assert after["last_followup_at"] == logged.json()["occurred_at"]
    assert datetime.fromisoformat(after["recycle_due_at"]) > datetime.fromisoformat(before)
    assert after["owner_id"] == crew["rep"]["id"]
    # The planned follow-up is on the rep's calendar and in their iCalendar feed (no token).
    tasks = system.call("GET", "/api/v1/tasks", rep, params={"customer_id": customer["id"]}).json()
    assert [t["kind"] for t in tasks["items"]] == ["followup"]
    feed = system.call("POST", "/api/v1/calendar/feed", rep)
    assert feed.status_code == 201, feed.text
    calendar = system.call("GET", feed.json()["path"])
    assert calendar.status_code == 200, calendar.text
    assert calendar.headers["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in calendar.text and customer["name"] in calendar.text


def test_the_360_view_shows_a_won_deal_and_a_payment(system: System, crew) -> None:
    rep = crew["rep"]["token"]
    customer = new_customer(system, rep, contacts=[{"name": "Ada", "email": "ada@example.com"}])
    opportunity = system.call(
        "POST",
        "/api/v1/opportunities",
        rep,
        json={
            "customer_id": customer["id"],
            "name": "Engines",
            "amount": "8000.00",
            "currency": "GBP",
        },
    )
    assert opportunity.status_code == 201, opportunity.text
    won = system.call("POST", f"/api/v1/opportunities/{opportunity.json()['id']}/win", rep)
    assert won.status_code == 200, won.text
    order = eventually(  # deal.won reached orders (behind whatever the earlier tests left queued)
        lambda: system.call(
            "GET", "/api/v1/orders", rep, params={"opportunity_id": opportunity.json()["id"]}
        ).json()["items"][0],
        timeout=120,
    )
    paid = system.call(
        "POST",
        f"/api/v1/orders/{order['id']}/payments",
        rep,
        json={"amount": "3000.00", "currency": "GBP"},
    )
    assert paid.status_code == 201, paid.text

    def view():
        body = system.call("GET", f"/api/v1/customers/{customer['id']}/360", rep).json()
        assert body["opportunities"]["won"], body["opportunities"]
        assert body["payments"]["total"] == 1, body["payments"]
        return body

    body = eventually(view)
    assert body["opportunities"]["won_total"] == [{"currency": "GBP", "amount": "8000.00"}]
    assert body["payments"]["amount_total"] == [{"currency": "GBP", "amount": "3000.00"}]
    assert body["orders"]["recent"][0]["id"] == order["id"]
    assert [c["name"] for c in body["contacts"]] == ["Ada"]
    assert body["profile"]["won_deals"] == 1
    assert body["tier"]["figures"]["frequency"] >= 1


def test_a_duplicate_customer_is_refused_unless_said_different(system: System, crew) -> None:
    """Issue 13 item 23: 409 naming the existing customer to whoever may see it."""
    rep, other = crew["rep"]["token"], crew["other"]["token"]
    name = f"Twin {uuid.uuid4().hex[:6]}"
    email = f"{uuid.uuid4().hex[:8]}@twin.example"
    first = new_customer(system, rep, name=name, email=email)
    again = system.call(
        "POST", "/api/v1/customers", rep, json={"name": name.upper(), "email": f" {email} "}
    )
    assert again.status_code == 409, again.text
    assert again.json()["existing_id"] == first["id"]
    hidden = system.call("POST", "/api/v1/customers", other, json={"name": name, "email": email})
    assert hidden.status_code == 409, hidden.text
    assert first["id"] not in hidden.text
    forced = system.call(
        "POST",
        "/api/v1/customers",
        rep,
        json={"name": name, "email": email, "different_customer": True},
    )
    assert forced.status_code == 201, forced.text


def test_archive_restore_and_erasure_through_the_gateway(system: System, crew) -> None:
    """Issue 13 item 24: archive hides and blocks claims; erasure reaches the lead."""
    admin, rep = crew["admin"]["token"], crew["rep"]["token"]
    claimer = crew["manager"]["token"]  # claimer is held to one customer by an earlier test
    pooled = new_customer(system, rep, in_pool=True)
    archived = system.call("POST", f"/api/v1/customers/{pooled['id']}/archive", admin)
    assert archived.status_code == 200, archived.text
    listed = system.call("GET", "/api/v1/customers", claimer, params={"in_pool": "true"}).json()
    assert pooled["id"] not in [c["id"] for c in listed["items"]]
    claim = system.call("POST", f"/api/v1/customers/{pooled['id']}/claim", claimer)
    assert claim.status_code in (404, 409), claim.text
    restored = system.call("POST", f"/api/v1/customers/{pooled['id']}/restore", admin)
    assert restored.status_code == 200, restored.text
    claimed = system.call("POST", f"/api/v1/customers/{pooled['id']}/claim", claimer)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["recycle_due_at"] is not None  # item 25: set on claim

    email = f"{uuid.uuid4().hex[:8]}@erase.example"
    lead = system.call("POST", "/api/v1/leads", rep, json={"name": "Ada Erase", "email": email})
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    assert system.call("POST", f"/api/v1/leads/{lead_id}/qualify", rep).status_code == 200

    def customer():
        found = system.call("GET", "/api/v1/customers", rep, params={"lead_id": lead_id})
        return found.json()["items"][0]

    made = eventually(customer)
    erased = system.call("POST", f"/api/v1/customers/{made['id']}/erase", admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["email"] is None and erased.json()["erased_at"]

    def lead_erased():
        body = system.call("GET", f"/api/v1/leads/{lead_id}", admin).json()
        return body if body.get("erased_at") else None

    assert eventually(lead_erased)["email"] is None
