"""Service tests of the event-fed copies, tiers and the 360° view."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from customers.models import OpportunityCopy, PaymentCopy, TicketCopy, User

from ..conftest import create, url

NOW = datetime.now(UTC)


def ts(days_ago: float = 0) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def opportunity(svc, customer, owner, opp_id=None, amount="1000.00", currency="USD", **extra):
    return svc.event(
        "opportunity.created",
        {
            "opportunity_id": str(opp_id or uuid.uuid4()),
            "customer_id": customer["id"],
            "name": "Engines",
            "amount": amount,
            "currency": currency,
            "owner_id": str(owner.id),
            "created_at": ts(1),
            **extra,
        },
    )


def won(svc, customer, owner, opp_id, amount="60000.00", days_ago=1):
    return svc.event(
        "deal.won",
        {
            "opportunity_id": str(opp_id),
            "customer_id": customer["id"],
            "amount": amount,
            "currency": "USD",
            "owner_id": str(owner.id),
            "won_at": ts(days_ago),
        },
    )


def payment(svc, customer, owner, amount="5000.00", payment_id=None, days_ago=0):
    return svc.event(
        "payment.received",
        {
            "payment_id": str(payment_id or uuid.uuid4()),
            "order_id": str(uuid.uuid4()),
            "customer_id": customer["id"],
            "amount": amount,
            "currency": "USD",
            "owner_id": str(owner.id),
            "received_at": ts(days_ago),
        },
    )


def ticket_closed(svc, customer, ticket_id, satisfaction):
    return svc.event(
        "ticket.closed",
        {
            "ticket_id": str(ticket_id),
            "customer_id": customer["id"],
            "satisfaction": satisfaction,
            "opened_at": ts(3),
            "closed_at": ts(2),
        },
    )


def test_opportunity_events_feed_the_recycling_facts(svc):
    rep = svc.user()
    customer = create(svc, rep)
    opp = uuid.uuid4()
    svc.deliver(opportunity(svc, customer, rep, opp))
    shown = svc.client.get(url(customer), headers=rep.headers).json
    assert shown["open_opportunities"] == 1 and shown["last_opportunity_at"]
    svc.deliver(won(svc, customer, rep, opp))
    shown = svc.client.get(url(customer), headers=rep.headers).json
    assert (shown["open_opportunities"], shown["won_deals"]) == (0, 1)
    assert (
        shown["value"] == "60000.00"
        or shown["value"] == "60000.0000"
        or shown["value"].startswith("60000")
    )
    assert shown["last_won_at"]


def test_out_of_order_and_repeated_events_leave_the_same_state(svc):
    rep = svc.user()
    customer = create(svc, rep)
    opp, pay, ticket = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # deal.won before opportunity.created; each twice under new ids.
    for _ in range(2):
        svc.deliver(won(svc, customer, rep, opp, amount="700.00"))
        svc.deliver(opportunity(svc, customer, rep, opp, amount="500.00"))
        svc.deliver(payment(svc, customer, rep, payment_id=pay))
        svc.deliver(ticket_closed(svc, customer, ticket, 4))
        svc.deliver(
            svc.event(
                "ticket.opened",
                {
                    "ticket_id": str(ticket),
                    "customer_id": customer["id"],
                    "subject": "Jam",
                    "opened_at": ts(3),
                },
            )
        )
    # A late deal.lost does not undo the win.
    svc.deliver(
        svc.event(
            "deal.lost",
            {
                "opportunity_id": str(opp),
                "customer_id": customer["id"],
                "owner_id": str(rep.id),
                "lost_at": ts(0),
            },
        )
    )
    with svc.db.session() as session:
        opps = session.scalars(select(OpportunityCopy)).all()
        assert [(o.status, str(o.amount)) for o in opps] == [("won", "700.00")]
        assert session.scalar(select(func.count()).select_from(PaymentCopy)) == 1
        [copy] = session.scalars(select(TicketCopy)).all()
        assert (copy.status, copy.subject, copy.satisfaction) == ("closed", "Jam", 4)


def test_tiers_follow_deals_payments_and_tickets_with_explanation(svc):
    admin, rep = svc.user("admin"), svc.user()
    customer = create(svc, rep)
    tier = svc.client.get(url(customer, "/tier"), headers=rep.headers).json
    assert tier["tier"] == "potential" and tier["figures"]["recency_days"] is None
    svc.deliver(won(svc, customer, rep, uuid.uuid4(), amount="60000.00", days_ago=10))
    svc.deliver(payment(svc, customer, rep, amount="60000.00", days_ago=2))
    tier = svc.client.get(url(customer, "/tier"), headers=rep.headers).json
    assert tier["tier"] == "high_value", tier
    assert tier["figures"]["monetary"] == "60000.00" and tier["figures"]["frequency"] == 2
    assert any("high value" in reason for reason in tier["reasons"])
    for satisfaction in (1, 2):
        svc.deliver(ticket_closed(svc, customer, uuid.uuid4(), satisfaction))
    tier = svc.client.get(url(customer, "/tier"), headers=rep.headers).json
    assert tier["tier"] == "at_risk" and "satisfaction" in tier["reasons"][0]
    # Thresholds are configurable; recomputation applies them.
    changed = svc.client.put(
        "/api/v1/tiers/config", json={"at_risk_satisfaction": 1.0}, headers=admin.headers
    )
    assert changed.status_code == 200 and changed.json["at_risk_satisfaction"] == 1.0
    assert svc.client.post("/api/v1/tiers/recompute", headers=admin.headers).json["recomputed"] == 1
    assert svc.client.get(url(customer, "/tier"), headers=rep.headers).json["tier"] == "high_value"
    summary = svc.client.get("/api/v1/tiers", headers=rep.headers).json
    assert summary == {"high_value": 1, "potential": 0, "at_risk": 0, "churned": 0}
    listed = svc.client.get(
        "/api/v1/customers", query_string={"tier": "high_value"}, headers=rep.headers
    )
    assert [c["id"] for c in listed.json["items"]] == [customer["id"]]
    bad = svc.client.put(
        "/api/v1/tiers/config", json={"currency": "usd", "window_days": 0}, headers=admin.headers
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json["errors"]} == {
        "currency",
        "window_days",
    }
    assert svc.client.put("/api/v1/tiers/config", json={}, headers=rep.headers).status_code == 403


def test_the_scheduled_tier_job_moves_silent_customers_down(svc):
    rep = svc.user()
    customer = create(svc, rep)
    svc.deliver(won(svc, customer, rep, uuid.uuid4(), days_ago=400))
    assert svc.run_job("tiers") == 1
    assert svc.client.get(url(customer), headers=rep.headers).json["tier"] == "churned"


def test_the_360_view_assembles_everything_in_one_request(svc):
    rep = svc.user()
    customer = create(svc, rep, contacts=[{"name": "Ada", "email": "ada@example.com"}])
    opp_open, opp_won = uuid.uuid4(), uuid.uuid4()
    svc.deliver(opportunity(svc, customer, rep, opp_open, amount="250.00"))
    svc.deliver(opportunity(svc, customer, rep, opp_won, amount="1000.00"))
    svc.deliver(won(svc, customer, rep, opp_won, amount="1200.00"))
    order_id = uuid.uuid4()
    svc.deliver(
        svc.event(
            "order.created",
            {
                "order_id": str(order_id),
                "opportunity_id": str(opp_won),
                "customer_id": customer["id"],
                "amount": "1200.00",
                "currency": "USD",
                "owner_id": str(rep.id),
                "created_at": ts(1),
            },
        )
    )
    svc.deliver(payment(svc, customer, rep, amount="400.00"))
    svc.deliver(ticket_closed(svc, customer, uuid.uuid4(), 5))
    svc.client.post(
        url(customer, "/followups"), json={"kind": "call", "content": "hi"}, headers=rep.headers
    )
    svc.client.post(
        url(customer, "/visits"), json={"latitude": 1, "longitude": 2}, headers=rep.headers
    )
    view = svc.client.get(url(customer, "/360"), headers=rep.headers)
    assert view.status_code == 200, view.json
    body = view.json
    assert body["profile"]["id"] == customer["id"]
    assert [c["name"] for c in body["contacts"]] == ["Ada"]
    assert [h["action"] for h in body["owner_history"]] == ["created"]
    assert body["followups"]["total"] == 1 and body["visits"]["total"] == 1
    assert [o["id"] for o in body["opportunities"]["open"]] == [str(opp_open)]
    assert body["opportunities"]["won"][0]["amount"] == "1200.00"
    assert body["opportunities"]["won_total"] == [{"currency": "USD", "amount": "1200.00"}]
    assert body["orders"]["recent"][0]["id"] == str(order_id)
    assert body["payments"]["amount_total"] == [{"currency": "USD", "amount": "400.00"}]
    assert body["tickets"]["average_satisfaction"] == 5.0 and body["tickets"]["rated"] == 1
    assert body["tier"]["tier"] in ("potential", "high_value")


def test_the_360_view_takes_a_fixed_number_of_queries(svc):
    from sqlalchemy import event

    rep = svc.user()
    small, large = create(svc, rep), create(svc, rep)
    for _ in range(15):
        opp = uuid.uuid4()
        svc.deliver(opportunity(svc, large, rep, opp))
        svc.deliver(won(svc, large, rep, opp))
        svc.deliver(payment(svc, large, rep))
        svc.deliver(ticket_closed(svc, large, uuid.uuid4(), 3))
        svc.client.post(
            url(large, "/followups"), json={"kind": "note", "content": "x"}, headers=rep.headers
        )

    def queries(customer) -> int:
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(svc.db.engine, "before_cursor_execute", count)
        try:
            assert svc.client.get(url(customer, "/360"), headers=rep.headers).status_code == 200
        finally:
            event.remove(svc.db.engine, "before_cursor_execute", count)
        return len(seen)

    # The fewest of a few reads: a short-lived cache (token revocations) that
    # expires between two reads on a slow machine adds a query to one of them.
    counts = [min(queries(customer) for _ in range(3)) for customer in (small, large)]
    assert counts[0] == counts[1], counts


def test_users_copy_follows_the_newest_event(svc):
    import dataclasses

    user_id = str(uuid.uuid4())
    base = {"user_id": user_id, "username": "ada", "roles": ["rep"], "active": True}
    svc.deliver(
        svc.event("user.updated", {**base, "roles": ["manager"], "team_id": str(uuid.uuid4())})
    )
    # The creation event arrives late, stamped before the update: it changes nothing.
    late = dataclasses.replace(svc.event("user.created", base), time=NOW - timedelta(days=1))
    svc.deliver(late)
    with svc.db.session() as session:
        user = session.get(User, uuid.UUID(user_id))
        assert user.roles == ["manager"] and user.team_id is not None


def test_a_qualified_lead_with_a_company_gets_its_person_as_primary_contact(svc):
    rep = svc.user()
    lead = svc.event(
        "lead.qualified",
        {
            "lead_id": str(uuid.uuid4()),
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "company": "Analytical Engines",
            "score": 77,
            "owner_id": str(rep.id),
            "qualified_at": ts(),
        },
    )
    svc.deliver(lead)
    [customer] = svc.client.get("/api/v1/customers", headers=rep.headers).json["items"]
    assert customer["score"] == 77 and customer["pool_id"]
    [contact] = svc.client.get(url(customer, "/contacts"), headers=rep.headers).json["items"]
    assert contact["name"] == "Ada Lovelace" and contact["is_primary"]
