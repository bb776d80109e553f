"""Service tests of deals: opening, winning, losing, bad input and scope."""

import uuid

import pytest
from sqlalchemy import func, select

from opportunities.models import Opportunity
from opportunities.service import SERVICE


def open_deal(svc, user, customer, **overrides):
    body = {"customer_id": customer, "name": "Big deal", "amount": "1200.50", "currency": "EUR"}
    return svc.client.post(
        "/api/v1/opportunities", json={**body, **overrides}, headers=user.headers
    )


def test_win_publishes_deal_won_once(svc, customers):
    rep = svc.user(team_id=uuid.uuid4())
    created = open_deal(svc, rep, customers[0]["id"])
    assert created.status_code == 201, created.json
    assert created.json["amount"] == "1200.50"
    assert created.json["lead_id"] == customers[0]["lead_id"]
    url = f"/api/v1/opportunities/{created.json['id']}"
    won = svc.client.post(url + "/win", headers=rep.headers)
    assert won.status_code == 200 and won.json["stage"] == "won"
    assert svc.client.post(url + "/win", headers=rep.headers).status_code == 409
    assert svc.client.post(url + "/lose", headers=rep.headers).status_code == 409
    [deal] = svc.events("deal.won")
    assert deal["data"]["amount"] == "1200.50"
    assert deal["data"]["currency"] == "EUR"
    assert deal["data"]["owner_id"] == str(rep.id)
    assert deal["data"]["lead_id"] == customers[0]["lead_id"]


def test_lose_records_the_reason(svc, customers):
    rep = svc.user()
    created = open_deal(svc, rep, customers[0]["id"]).json
    lost = svc.client.post(
        f"/api/v1/opportunities/{created['id']}/lose",
        json={"reason": "Price", "competitor": "Acme"},
        headers=rep.headers,
    )
    assert lost.status_code == 200 and lost.json["lost_reason"] == "price"
    assert lost.json["competitor"] == "Acme" and lost.json["stage"] == "lost"
    assert svc.events("deal.lost")[0]["data"]["reason"] == "price"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 12.5}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "usd"}, "currency"),
        ({"name": ""}, "name"),
        ({"customer_id": "not-a-uuid"}, "customer_id"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(svc, customers, overrides, field):
    rep = svc.user()
    response = open_deal(svc, rep, customers[0]["id"], **overrides)
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json["errors"]}
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 0


def test_unknown_customer_is_refused(svc):
    rep = svc.user()
    response = open_deal(svc, rep, str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "customer_id"
    assert svc.events() == []


def test_customers_service_down_is_503_and_changes_nothing(harness_factory):
    svc = harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": "http://127.0.0.1:9"})
    rep = svc.user()
    response = open_deal(svc, rep, str(uuid.uuid4()))
    assert response.status_code == 503
    assert "Retry-After" in response.headers
    assert svc.events() == []


def test_yen_takes_no_decimals(svc, customers):
    rep = svc.user()
    assert (
        open_deal(svc, rep, customers[0]["id"], amount="100.5", currency="JPY").status_code == 422
    )
    ok = open_deal(svc, rep, customers[0]["id"], amount="100", currency="JPY")
    assert ok.status_code == 201 and ok.json["amount"] == "100"


def test_scope_hides_other_reps_deals(svc, customers):
    rep, other = svc.user(), svc.user()
    created = open_deal(svc, rep, customers[0]["id"]).json
    assert (
        svc.client.get(f"/api/v1/opportunities/{created['id']}", headers=other.headers).status_code
        == 404
    )
    assert (
        svc.client.post(
            f"/api/v1/opportunities/{created['id']}/win", headers=other.headers
        ).status_code
        == 404
    )
    assert svc.client.get("/api/v1/opportunities", headers=other.headers).json["items"] == []
