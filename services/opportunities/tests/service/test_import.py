"""Service test of the Salesforce Opportunity CSV import."""

import uuid

SALESFORCE_EXPORT = (
    "Name,Account Name,Amount,Stage,Close Date,Probability (%),Owner\n"
    '年度框架协议,华为技术,"1,250,000.00",Negotiation/Review,3/31/2027,80,Li Lei\n'
    "Pilot,华为技术,5000,Closed Won,12/15/2026,100,Li Lei\n"
    "Renewal,Nobody Inc,100,Prospecting,1/1/2027,10,Li Lei\n"
    "Bad stage,华为技术,100,Dreaming,1/1/2027,10,Li Lei\n"
    "Bad date,华为技术,100,Prospecting,someday,10,Li Lei\n"
    "Bad money,华为技术,-3,Prospecting,1/1/2027,10,Li Lei\n"
    "Pilot,华为技术,5000,Closed Won,12/15/2026,100,Li Lei\n"
)


def test_a_salesforce_export_becomes_deals_with_reasons_for_the_rest(svc):
    rep = svc.user(team_id=uuid.uuid4())
    customer = str(uuid.uuid4())
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": customer,
                "name": "华为技术",
                "owner_id": str(rep.id),
                "created_at": "2026-11-01T00:00:00Z",
            },
        )
    )
    response = svc.client.post(
        "/api/v1/opportunities/imports?filename=sf.csv",
        data=SALESFORCE_EXPORT.encode(),
        headers={**rep.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.json
    assert response.json["preset"] == "salesforce"
    svc.run_job("import-opportunities")
    job = svc.client.get(
        f"/api/v1/opportunities/imports/{response.json['id']}", headers=rep.headers
    ).json
    assert job["status"] == "completed"
    assert (job["imported"], job["duplicates"], job["failed"]) == (2, 1, 4)
    assert {(e["line"], e["field"]) for e in job["errors"]} == {
        (4, "account_name"),
        (5, "stage"),
        (6, "close_date"),
        (7, "amount"),
    }
    deals = svc.client.get("/api/v1/opportunities?sort=-amount", headers=rep.headers).json["items"]
    big, pilot = deals
    assert (big["name"], big["amount"], big["currency"]) == ("年度框架协议", "1250000.00", "CNY")
    assert big["stage"] == "negotiation" and big["probability"] == 80
    assert big["expected_close_date"] == "2027-03-31"
    assert pilot["status"] == "won" and pilot["closed_at"].startswith("2026-12-15")
    assert len(svc.events("opportunity.created")) == 2
    assert svc.events("deal.won") == []  # history, not a new sale for orders
