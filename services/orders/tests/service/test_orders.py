"""Service tests of orders: from won deal to payments."""

import uuid

import pytest
from sqlalchemy import func, select

from orders.models import Payment


def deal_won(svc, owner, amount="1000.00", currency="USD"):
    return svc.event(
        "deal.won",
        {
            "opportunity_id": str(uuid.uuid4()),
            "customer_id": str(uuid.uuid4()),
            "name": "Deal",
            "amount": amount,
            "currency": currency,
            "owner_id": str(owner.id),
            "team_id": str(owner.team_id) if owner.team_id else None,
            "won_at": "2026-11-20T10:00:00Z",
        },
    )


def the_order(svc, user, opportunity_id):
    items = svc.client.get(
        "/api/v1/orders", query_string={"opportunity_id": opportunity_id}, headers=user.headers
    ).json["items"]
    assert len(items) == 1
    return items[0]


def test_a_won_deal_becomes_one_order(svc):
    rep = svc.user()
    event = deal_won(svc, rep)
    assert svc.deliver(event) and not svc.deliver(event)
    svc.deliver(svc.event("deal.won", event.data))  # same deal under another event id
    order = the_order(svc, rep, event.data["opportunity_id"])
    assert order["amount"] == "1000.00"
    assert order["outstanding_amount"] == "1000.00"
    assert order["owner_id"] == str(rep.id)
    assert len(svc.events("order.created")) == 1


def test_payments_reduce_the_outstanding_amount_and_publish(svc):
    rep = svc.user()
    event = deal_won(svc, rep)
    svc.deliver(event)
    order = the_order(svc, rep, event.data["opportunity_id"])
    url = f"/api/v1/orders/{order['id']}/payments"
    first = svc.client.post(url, json={"amount": "400.00", "currency": "USD"}, headers=rep.headers)
    assert first.status_code == 201
    second = svc.client.post(url, json={"amount": "600", "currency": "USD"}, headers=rep.headers)
    assert second.status_code == 201
    paid = svc.client.get(f"/api/v1/orders/{order['id']}", headers=rep.headers).json
    assert paid["status"] == "paid" and paid["outstanding_amount"] == "0.00"
    received = svc.events("payment.received")
    assert [e["data"]["amount"] for e in received] == ["400.00", "600"]
    assert all(e["data"]["owner_id"] == str(rep.id) for e in received)
    more = svc.client.post(url, json={"amount": "1.00", "currency": "USD"}, headers=rep.headers)
    assert more.status_code == 409
    listed = svc.client.get(url, headers=rep.headers).json["items"]
    assert [p["amount"] for p in listed] == ["400.00", "600.00"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1500.00", "currency": "USD"}, "amount"),
        ({"amount": "10.00", "currency": "EUR"}, "currency"),
        ({"amount": "0", "currency": "USD"}, "amount"),
        ({"amount": "abc", "currency": "USD"}, "amount"),
        ({"amount": "10.00"}, "currency"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(svc, body, field):
    rep = svc.user()
    event = deal_won(svc, rep)
    svc.deliver(event)
    order = the_order(svc, rep, event.data["opportunity_id"])
    response = svc.client.post(
        f"/api/v1/orders/{order['id']}/payments", json=body, headers=rep.headers
    )
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json["errors"]}
    assert svc.events("payment.received") == []
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 0


def test_a_retried_payment_with_the_same_key_counts_once(svc):
    rep = svc.user()
    event = deal_won(svc, rep)
    svc.deliver(event)
    order = the_order(svc, rep, event.data["opportunity_id"])
    headers = {**rep.headers, "Idempotency-Key": "pay-1"}
    url = f"/api/v1/orders/{order['id']}/payments"
    for _ in range(3):
        assert (
            svc.client.post(
                url, json={"amount": "10.00", "currency": "USD"}, headers=headers
            ).status_code
            == 201
        )
    assert len(svc.events("payment.received")) == 1


def test_other_reps_cannot_see_or_pay_an_order(svc):
    rep, other = svc.user(), svc.user()
    event = deal_won(svc, rep)
    svc.deliver(event)
    order = the_order(svc, rep, event.data["opportunity_id"])
    assert svc.client.get(f"/api/v1/orders/{order['id']}", headers=other.headers).status_code == 404
    response = svc.client.post(
        f"/api/v1/orders/{order['id']}/payments",
        json={"amount": "1.00", "currency": "USD"},
        headers=other.headers,
    )
    assert response.status_code == 404
