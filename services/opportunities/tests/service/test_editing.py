"""Service tests of editing and listing deals, and of the events they consume."""

import uuid

import pytest

from .helpers import open_deal


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"currency": "JPY"}, "amount"),  # 1200.50 has no place in yen
        ({"expected_close_date": "next tuesday"}, "expected_close_date"),
        ({"probability_override": 101}, "probability_override"),
        ({"probability_override": -1}, "probability_override"),
        ({"forecast_category_override": "maybe"}, "forecast_category_override"),
        (
            {"contacts": [{"contact_id": str(uuid.uuid4()), "name": "x", "role": "boss"}]},
            "contacts.0.role",
        ),
        ({"lines": [{"name": "x", "quantity": "-1", "unit_price": "1.00"}]}, "lines.0.quantity"),
    ],
)
def test_bad_patch_names_the_field_and_changes_nothing(svc, customers, body, field):
    rep = svc.user()
    deal = open_deal(svc, rep, customers[0]["id"]).json
    url = f"/api/v1/opportunities/{deal['id']}"
    response = svc.client.patch(url, json=body, headers=rep.headers)
    assert response.status_code == 422, response.json
    assert field in {e["field"] for e in response.json["errors"]}
    after = svc.client.get(url, headers=rep.headers).json
    assert (after["amount"], after["currency"], after["version"]) == ("1200.50", "EUR", 1)
    assert svc.client.get(url + "/history", headers=rep.headers).json["changes"] == []


def test_amount_and_close_date_changes_are_kept(svc, customers):
    rep = svc.user()
    deal = open_deal(svc, rep, customers[0]["id"], expected_close_date="2027-01-31").json
    url = f"/api/v1/opportunities/{deal['id']}"
    svc.client.patch(url, json={"amount": "900.00"}, headers=rep.headers)
    svc.client.patch(url, json={"expected_close_date": "2027-02-28"}, headers=rep.headers)
    after = svc.client.get(url, headers=rep.headers).json
    assert after["close_date_pushes"] == 1
    assert {r["code"] for r in after["risk_reasons"]} == {"amount_cut"}
    changes = svc.client.get(url + "/history", headers=rep.headers).json["changes"]
    assert [(c["field"], c["from_value"], c["to_value"]) for c in changes] == [
        ("amount", "1200.50", "900.00"),
        ("expected_close_date", "2027-01-31", "2027-02-28"),
    ]
    assert changes[0]["changed_by"] == str(rep.id)


def test_list_filters_and_sorts(svc, customers):
    rep = svc.user()
    cid = customers[0]["id"]
    small = open_deal(svc, rep, cid, amount="100.00", expected_close_date="2027-03-01").json
    big = open_deal(svc, rep, cid, amount="5000.00").json
    mid = open_deal(svc, rep, cid, amount="700.00", expected_close_date="2027-01-15").json

    def ids(query):
        response = svc.client.get(f"/api/v1/opportunities?{query}", headers=rep.headers)
        assert response.status_code == 200, response.json
        return [d["id"] for d in response.json["items"]]

    assert ids("sort=-amount") == [big["id"], mid["id"], small["id"]]
    assert ids("sort=expected_close_date") == [mid["id"], small["id"], big["id"]]
    assert ids("amount_min=500&amount_max=1000") == [mid["id"]]
    assert ids("close_from=2027-02-01&close_to=2027-03-31") == [small["id"]]
    assert ids("sort=amount&limit=2") == [small["id"], mid["id"]]
    page = svc.client.get("/api/v1/opportunities?sort=amount&limit=2", headers=rep.headers).json
    rest = svc.client.get(
        f"/api/v1/opportunities?sort=amount&limit=2&cursor={page['next_cursor']}",
        headers=rep.headers,
    ).json
    assert [d["id"] for d in rest["items"]] == [big["id"]]
    page = svc.client.get(
        "/api/v1/opportunities?sort=expected_close_date&limit=2", headers=rep.headers
    ).json
    rest = svc.client.get(
        f"/api/v1/opportunities?sort=expected_close_date&limit=2&cursor={page['next_cursor']}",
        headers=rep.headers,
    ).json
    assert [d["id"] for d in rest["items"]] == [big["id"]]
    svc.client.patch(
        f"/api/v1/opportunities/{mid['id']}", json={"amount": "600.00"}, headers=rep.headers
    )
    assert ids("risk=medium&sort=-amount") == [mid["id"]]
    assert ids("risk=high") == []
    assert (
        svc.client.get("/api/v1/opportunities?risk=extreme", headers=rep.headers).status_code == 422
    )


def test_quote_accepted_sets_amount_and_lines_newest_wins(svc, customers):
    rep = svc.user()
    deal = open_deal(svc, rep, customers[0]["id"]).json

    def quote(amount, at, name):
        return svc.event(
            "quote.accepted",
            {
                "quote_id": str(uuid.uuid4()),
                "opportunity_id": deal["id"],
                "customer_id": deal["customer_id"],
                "owner_id": str(rep.id),
                "currency": "EUR",
                "amount": amount,
                "lines": [{"name": name, "quantity": "1", "unit_price": amount}],
                "accepted_at": at,
            },
        )

    newer = quote("2000.00", "2026-12-02T10:00:00Z", "v2")
    older = quote("1500.00", "2026-12-01T10:00:00Z", "v1")
    assert svc.deliver(newer)
    assert svc.deliver(older)  # ran, but an older quote changes nothing
    assert not svc.deliver(newer)  # a repeat is skipped
    after = svc.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers).json
    assert after["amount"] == "2000.00"
    assert [line["name"] for line in after["lines"]] == ["v2"]


def test_owner_follows_the_customer(svc, customers):
    rep, new_owner = svc.user(), svc.user()
    deal = open_deal(svc, rep, customers[0]["id"]).json
    team = str(uuid.uuid4())
    assigned = svc.event(
        "customer.assigned",
        {
            "customer_id": deal["customer_id"],
            "owner_id": str(new_owner.id),
            "team_id": team,
            "assigned_at": "2026-12-02T10:00:00Z",
        },
    )
    stale = svc.event(
        "customer.claimed",
        {
            "customer_id": deal["customer_id"],
            "owner_id": str(rep.id),
            "claimed_at": "2026-11-01T10:00:00Z",
        },
    )
    assert svc.deliver(assigned) and svc.deliver(stale)
    url = f"/api/v1/opportunities/{deal['id']}"
    assert svc.client.get(url, headers=rep.headers).status_code == 404
    moved = svc.client.get(url, headers=new_owner.headers).json
    assert moved["owner_id"] == str(new_owner.id) and moved["team_id"] == team


def test_owner_does_not_follow_when_configured_off(harness_factory, customers, monkeypatch):
    from opportunities.service import SERVICE

    monkeypatch.setenv("CRM_OPPORTUNITIES_OWNER_FOLLOWS_CUSTOMER", "false")
    svc = harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": customers[1]})
    rep, other = svc.user(), svc.user()
    deal = open_deal(svc, rep, customers[0]["id"]).json
    svc.deliver(
        svc.event(
            "customer.assigned",
            {
                "customer_id": deal["customer_id"],
                "owner_id": str(other.id),
                "assigned_at": "2026-12-02T10:00:00Z",
            },
        )
    )
    assert (
        svc.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers).status_code
        == 200
    )


def test_a_followup_is_activity_on_open_deals(svc, customers):
    from opportunities.models import Opportunity

    rep = svc.user()
    deal = open_deal(svc, rep, customers[0]["id"]).json
    with svc.db.transaction() as session:
        row = session.get(Opportunity, uuid.UUID(deal["id"]))
        from datetime import UTC, datetime

        row.last_activity_at = datetime(2026, 1, 1, tzinfo=UTC)
    svc.run_job("refresh-risk")
    url = f"/api/v1/opportunities/{deal['id']}"
    before = svc.client.get(url, headers=rep.headers).json
    assert "no_activity" in {r["code"] for r in before["risk_reasons"]}
    svc.deliver(
        svc.event(
            "followup.logged",
            {
                "followup_id": str(uuid.uuid4()),
                "customer_id": deal["customer_id"],
                "kind": "call",
                "author_id": str(rep.id),
                "occurred_at": datetime.now(UTC).isoformat(),
            },
        )
    )
    after = svc.client.get(url, headers=rep.headers).json
    assert "no_activity" not in {r["code"] for r in after["risk_reasons"]}
