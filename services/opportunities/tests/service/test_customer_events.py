"""What customers tells opportunities about a customer: its tier (a risk reason), its erasure."""

import uuid

from .helpers import open_deal


def _tier(svc, customer_id, tier, at):
    return svc.event(
        "customer.tier_changed",
        {"customer_id": customer_id, "tier": tier, "previous_tier": None, "changed_at": at},
    )


def _risk(svc, user, deal_id):
    deal = svc.client.get(f"/api/v1/opportunities/{deal_id}", headers=user.headers).json
    return deal["risk_level"], [r["code"] for r in deal["risk_reasons"]]


def test_a_churned_or_at_risk_customer_puts_its_deals_at_risk(svc, customers):
    rep = svc.user()
    cid = customers[0]["id"]
    deal = open_deal(svc, rep, cid).json
    assert _risk(svc, rep, deal["id"]) == ("low", [])
    assert svc.deliver(_tier(svc, cid, "churned", "2026-12-02T10:00:00Z"))
    assert _risk(svc, rep, deal["id"]) == ("high", ["customer_churned"])
    # An older change arriving late changes nothing; a repeat is skipped.
    assert svc.deliver(_tier(svc, cid, "high_value", "2026-12-01T10:00:00Z"))
    assert _risk(svc, rep, deal["id"]) == ("high", ["customer_churned"])
    assert svc.deliver(_tier(svc, cid, "at_risk", "2026-12-03T10:00:00Z"))
    assert _risk(svc, rep, deal["id"]) == ("medium", ["customer_at_risk"])
    listed = svc.client.get("/api/v1/opportunities?risk=medium", headers=rep.headers).json
    assert [d["id"] for d in listed["items"]] == [deal["id"]]
    assert svc.deliver(_tier(svc, cid, "potential", "2026-12-04T10:00:00Z"))
    assert _risk(svc, rep, deal["id"]) == ("low", [])
    # A deal opened later for the customer sees the tier too.
    assert svc.deliver(_tier(svc, cid, "at_risk", "2026-12-05T10:00:00Z"))
    later = open_deal(svc, rep, cid).json
    assert _risk(svc, rep, later["id"]) == ("medium", ["customer_at_risk"])


def test_erasure_anonymises_the_customers_name_and_contacts(svc, customers):
    rep = svc.user()
    cid = customers[0]["id"]
    deal = open_deal(svc, rep, cid).json
    erased_contact, kept_contact = str(uuid.uuid4()), str(uuid.uuid4())
    svc.client.patch(
        f"/api/v1/opportunities/{deal['id']}",
        json={
            "contacts": [
                {"contact_id": erased_contact, "name": "张伟", "role": "decision_maker"},
                {"contact_id": kept_contact, "name": "李娜", "role": "influencer"},
            ]
        },
        headers=rep.headers,
    )
    erased = svc.event(
        "customer.erased",
        {"customer_id": cid, "contact_ids": [erased_contact], "erased_at": "2026-12-03T00:00:00Z"},
    )
    assert svc.deliver(erased)
    contacts = svc.client.get(f"/api/v1/opportunities/{deal['id']}", headers=rep.headers).json[
        "contacts"
    ]
    names = {c["contact_id"]: (c["name"], c["role"]) for c in contacts}
    assert names == {
        erased_contact: ("(erased)", "decision_maker"),
        kept_contact: ("李娜", "influencer"),
    }
    # The name copy is gone, and a customer.created arriving late does not bring it back.
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": cid,
                "name": "华为技术",
                "owner_id": str(rep.id),
                "created_at": "2026-11-01T00:00:00Z",
            },
        )
    )
    from opportunities.models import CustomerState

    with svc.db.transaction() as session:
        assert session.get(CustomerState, uuid.UUID(cid)).name_key is None
    response = svc.client.post(
        "/api/v1/opportunities/imports?filename=x.csv",
        data="Name,Account Name,Stage\nX,华为技术,Prospecting\n".encode(),
        headers={**rep.headers, "Content-Type": "text/csv"},
    )
    svc.run_job("import-opportunities")
    job = svc.client.get(
        f"/api/v1/opportunities/imports/{response.json['id']}", headers=rep.headers
    ).json
    assert job["failed"] == 1 and job["errors"][0]["field"] == "account_name"
