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
    assert {
        (e["line"], e["field"]) for e in job["errors"] if e.get("severity", "error") == "error"
    } == {
        (4, "account_name"),
        (5, "stage"),
        (6, "close_date"),
        (7, "amount"),
    }
    # Li Lei is nobody here: the rows are imported as the uploader's, with a warning each.
    assert [(e["line"], e["field"]) for e in job["errors"] if e.get("severity") == "warning"] == [
        (2, "owner"),
        (3, "owner"),
    ]
    assert not job["errors_truncated"]
    deals = svc.client.get("/api/v1/opportunities?sort=-amount", headers=rep.headers).json["items"]
    big, pilot = deals
    assert (big["name"], big["amount"], big["currency"]) == ("年度框架协议", "1250000.00", "CNY")
    assert big["stage"] == "negotiation" and big["probability"] == 80
    assert big["expected_close_date"] == "2027-03-31"
    assert pilot["status"] == "won" and pilot["closed_at"].startswith("2026-12-15")
    assert len(svc.events("opportunity.created")) == 2
    assert svc.events("deal.won") == []  # history, not a new sale for orders


def _user_known(svc, user, username, display_name=None, email=None):
    svc.deliver(
        svc.event(
            "user.created",
            {
                "user_id": str(user.id),
                "username": username,
                "display_name": display_name,
                "email": email,
                "roles": list(user.roles),
                "team_id": str(user.team_id) if user.team_id else None,
                "active": True,
            },
        )
    )


def _customer_known(svc, owner, name):
    customer = str(uuid.uuid4())
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": customer,
                "name": name,
                "owner_id": str(owner.id),
                "team_id": str(owner.team_id) if owner.team_id else None,
                "created_at": "2026-11-01T00:00:00Z",
            },
        )
    )
    return customer


def _import(svc, user, text, **query):
    params = "&".join(f"{k}={v}" for k, v in {"filename": "sf.csv", **query}.items())
    response = svc.client.post(
        f"/api/v1/opportunities/imports?{params}",
        data=text.encode(),
        headers={**user.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 202, response.json
    svc.run_job("import-opportunities")
    return svc.client.get(
        f"/api/v1/opportunities/imports/{response.json['id']}", headers=user.headers
    ).json


def test_the_owner_column_names_a_user_of_the_directory(svc):
    team, elsewhere = uuid.uuid4(), uuid.uuid4()
    manager = svc.user("manager", team_id=team)
    li = svc.user(team_id=team)
    outsider = svc.user(team_id=elsewhere)
    zhang, zhang_too = svc.user(team_id=team), svc.user(team_id=team)
    _user_known(svc, li, "li.lei", "Li Lei", "lei@corp.example")
    _user_known(svc, outsider, "wang.fang")
    _user_known(svc, zhang, "zhang1", "张伟")
    _user_known(svc, zhang_too, "zhang2", "张伟")
    _customer_known(svc, manager, "腾讯")
    text = (
        "Name,Account Name,Amount,Stage,Close Date,Probability (%),Owner\n"
        "A,腾讯,100,Prospecting,1/1/2027,10,LI.LEI\n"
        "B,腾讯,100,Prospecting,1/1/2027,10,li.lei@example.com\n"
        "C,腾讯,100,Prospecting,1/1/2027,10,wang.fang\n"
        "D,腾讯,100,Prospecting,1/1/2027,10,韩梅梅\n"
        "E,腾讯,100,Prospecting,1/1/2027,10,\n"
        "F,腾讯,100,Prospecting,1/1/2027,10,li  lei\n"  # Salesforce exports full names
        "G,腾讯,100,Prospecting,1/1/2027,10,LEI@corp.example\n"
        "H,腾讯,100,Prospecting,1/1/2027,10,张伟\n"  # two users of that name: no guess
    )
    job = _import(svc, manager, text)
    assert (job["imported"], job["failed"]) == (8, 0)
    warnings = {e["line"]: e["reason"] for e in job["errors"] if e.get("severity") == "warning"}
    assert set(warnings) == {4, 5, 9}
    assert "outside your scope" in warnings[4] and "韩梅梅" in warnings[5]
    assert "several users" in warnings[9]
    owners = {
        d["name"]: d["owner_id"]
        for d in svc.client.get("/api/v1/opportunities", headers=manager.headers).json["items"]
    }
    assert owners == {
        "A": str(li.id),
        "B": str(li.id),
        "C": str(manager.id),
        "D": str(manager.id),
        "E": str(manager.id),  # no owner given: the customer's owner
        "F": str(li.id),
        "G": str(li.id),
        "H": str(manager.id),
    }
    mine = svc.client.get("/api/v1/opportunities", headers=li.headers).json["items"]
    assert sorted(d["name"] for d in mine) == ["A", "B", "F", "G"]


def test_imported_won_deals_publish_deal_won_only_when_asked(svc):
    rep = svc.user(team_id=uuid.uuid4())
    _customer_known(svc, rep, "华为技术")
    text = (
        "Name,Account Name,Amount,Stage,Close Date,Probability (%),Owner\n"
        "Pilot,华为技术,5000,Closed Won,12/15/2026,100,\n"
        "Open,华为技术,100,Prospecting,1/1/2027,10,\n"
    )
    job = _import(svc, rep, text, publish_won="true")
    assert job["imported"] == 2
    [won] = svc.events("deal.won")
    assert won["data"]["name"] == "Pilot" and won["data"]["amount"] == "5000.00"
    assert won["data"]["lines"] == []
    again = text.replace("Pilot", "Pilot 2").replace("Open,", "Open 2,")
    assert _import(svc, rep, again)["imported"] == 2  # the default: history, no deal.won
    assert len(svc.events("deal.won")) == 1
    refused = svc.client.post(
        "/api/v1/opportunities/imports?filename=x.csv&publish_won=maybe",
        data=text.encode(),
        headers={**rep.headers, "Content-Type": "text/csv"},
    )
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "publish_won"


def test_imported_deals_are_added_to_the_funnel_rollup_chunk_by_chunk(svc):
    """Each import transaction adds its deals to the day's rollup; reads equal the history."""
    from crm_shared.auth import Principal
    from opportunities.funnel import funnel
    from opportunities.models import FunnelReached

    rep = svc.user(team_id=uuid.uuid4())
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": str(uuid.uuid4()),
                "name": "华为技术",
                "owner_id": str(rep.id),
                "created_at": "2026-11-01T00:00:00Z",
            },
        )
    )
    header = "Name,Account Name,Amount,Stage,Close Date,Probability (%),Owner\n"
    admin = svc.user("admin")
    principal = Principal(id=admin.id, username="a", roles=frozenset({"admin"}))
    for batch in range(3):
        rows = "".join(
            f"Deal {batch}-{i},华为技术,{100 + i},Prospecting,3/31/2027,50,\n" for i in range(3)
        )
        response = svc.client.post(
            f"/api/v1/opportunities/imports?filename=batch{batch}.csv",
            data=(header + rows).encode(),
            headers={**rep.headers, "Content-Type": "text/csv"},
        )
        assert response.status_code == 202, response.json
        svc.run_job("import-opportunities")
        shown = svc.client.get("/api/v1/opportunities/analytics/funnel", headers=admin.headers)
        assert shown.json["stages"][0]["reached"] == 3 * (batch + 1)
        with svc.db.transaction() as session:
            assert funnel(session, principal, {}) == funnel(
                session, principal, {}, source="history"
            )
            appended = session.query(FunnelReached).count()
    # Added rows, not a recomputed day: a later move recomputes (and compacts) the day.
    deal = svc.client.get("/api/v1/opportunities?sort=amount", headers=rep.headers).json["items"][0]
    stages_by_name = {
        s["name"]: s
        for s in svc.client.get(
            f"/api/v1/pipelines/{deal['pipeline_id']}", headers=rep.headers
        ).json["stages"]
    }
    moved = svc.client.post(
        f"/api/v1/opportunities/{deal['id']}/stage",
        json={"stage_id": stages_by_name["needs_analysis"]["id"]},
        headers=rep.headers,
    )
    assert moved.status_code == 200, moved.json
    with svc.db.transaction() as session:
        assert funnel(session, principal, {}) == funnel(session, principal, {}, source="history")
        assert session.query(FunnelReached).count() < appended
