"""Service tests: deals, payments and ratings turn into a rep's monthly figures."""

import uuid


def feed(svc, rep, team=None):
    won = svc.event(
        "deal.won",
        {
            "opportunity_id": str(uuid.uuid4()),
            "customer_id": str(uuid.uuid4()),
            "amount": "1000.00",
            "currency": "USD",
            "owner_id": str(rep.id),
            "team_id": str(team) if team else None,
            "won_at": "2026-11-03T12:00:00Z",
        },
    )
    paid = svc.event(
        "payment.received",
        {
            "payment_id": str(uuid.uuid4()),
            "order_id": str(uuid.uuid4()),
            "customer_id": won.data["customer_id"],
            "amount": "250.50",
            "currency": "USD",
            "owner_id": str(rep.id),
            "team_id": str(team) if team else None,
            "received_at": "2026-11-04T12:00:00Z",
        },
    )
    rated = [
        svc.event(
            "ticket.closed",
            {
                "ticket_id": str(uuid.uuid4()),
                "customer_id": won.data["customer_id"],
                "customer_owner_id": str(rep.id),
                "customer_team_id": str(team) if team else None,
                "satisfaction": score,
                "closed_at": "2026-11-05T12:00:00Z",
            },
        )
        for score in (4, 5)
    ]
    for event in (won, paid, *rated):
        svc.deliver(event)
    return won, paid, rated


def test_figures_for_the_month(svc):
    rep = svc.user()
    won, paid, _ = feed(svc, rep)
    # Repeats, under the same or a new event id, change nothing.
    svc.deliver(won)
    svc.deliver(svc.event("payment.received", paid.data))
    response = svc.client.get(
        "/api/v1/compensation/performance",
        query_string={"owner_id": str(rep.id), "period": "2026-11"},
        headers=rep.headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["won_amount"] == "1000.00"
    assert body["collected_amount"] == "250.50"
    assert body["avg_satisfaction"] == "4.50"
    assert body["deals_won"] == 1 and body["payments"] == 1 and body["rated_tickets"] == 2
    other_month = svc.client.get(
        "/api/v1/compensation/performance",
        query_string={"owner_id": str(rep.id), "period": "2026-10"},
        headers=rep.headers,
    ).json
    assert other_month["won_amount"] == "0.00" and other_month["avg_satisfaction"] is None


def test_reps_see_only_their_own_managers_their_team(svc):
    team = uuid.uuid4()
    rep = svc.user(team_id=team)
    feed(svc, rep, team)
    other_rep = svc.user(team_id=team)
    manager = svc.user("manager", team_id=team)
    foreign_manager = svc.user("manager", team_id=uuid.uuid4())
    query = {"owner_id": str(rep.id), "period": "2026-11"}
    url = "/api/v1/compensation/performance"
    assert svc.client.get(url, query_string=query, headers=other_rep.headers).status_code == 404
    assert (
        svc.client.get(url, query_string=query, headers=manager.headers).json["won_amount"]
        == "1000.00"
    )
    # Another team's rep is out of scope: 404, not zeros that confirm nothing.
    assert (
        svc.client.get(url, query_string=query, headers=foreign_manager.headers).status_code == 404
    )


def test_bad_period_is_a_field_error(svc):
    rep = svc.user()
    response = svc.client.get(
        "/api/v1/compensation/performance", query_string={"period": "2026-13"}, headers=rep.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "period"
