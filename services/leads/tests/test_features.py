"""Service tests of the leads features on SQLite with the in-memory bus."""

from __future__ import annotations

import codecs
import io
import json
import uuid

from sqlalchemy import func, select

from crm_shared.tables import import_jobs
from leads.models import Lead, LeadActivity


def count(svc) -> int:
    with svc.db.session() as session:
        return session.scalar(
            select(func.count()).select_from(Lead).where(Lead.merged_into_id.is_(None))
        )


def member(svc, *roles, team_id=None):
    """A user the gateway announced (so assignment knows them)."""
    user = svc.user(*roles, team_id=team_id)
    event = svc.event(
        "user.created",
        {
            "user_id": str(user.id),
            "username": user.username,
            "roles": list(user.roles),
            "team_id": str(team_id) if team_id else None,
            "active": True,
        },
    )
    assert svc.deliver(event)
    return user


def process(svc):
    return svc.run_job("process-leads")


# ---------------------------------------------------------------- capture and dedup


def test_capture_normalises_and_a_second_capture_merges_as_a_touch(svc):
    rep = svc.user()
    first = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada", "email": "ADA@example.com", "phone": "+44 20 7946 0958"},
        headers=rep.headers,
    )
    assert first.status_code == 201, first.json
    assert first.json["phone"] == "+442079460958"
    again = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada L.", "email": "ada@EXAMPLE.com"},
        headers=rep.headers,
    )
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert again.json["touches"] >= 2
    by_phone = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "phone": "+44 (0)20 7946 0958"}, headers=rep.headers
    )
    assert by_phone.status_code == 200 and by_phone.json["id"] == first.json["id"]
    assert len(svc.events("lead.captured")) == 1
    with svc.db.session() as session:
        kinds = session.scalars(
            select(LeadActivity.kind).where(LeadActivity.lead_id == uuid.UUID(first.json["id"]))
        ).all()
    assert "touch" in kinds


def test_bad_phone_is_a_field_error_and_nothing_is_stored(svc):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads", json={"name": "X", "phone": "12"}, headers=rep.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "phone"
    assert count(svc) == 0


def test_batch_keeps_good_items_and_reports_each(svc):
    rep = svc.user()
    items = [
        {"name": "One", "email": "one@example.com"},
        {"name": "", "email": "bad"},
        {"name": "One again", "email": "ONE@example.com"},
        {"name": "Two", "phone": "+1 415 555 2671"},
        "not an object",
        {"name": "Three", "owner_id": str(uuid.uuid4())},
    ]
    response = svc.client.post("/api/v1/leads/batch", json={"leads": items}, headers=rep.headers)
    assert response.status_code == 200, response.json
    body = response.json
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "failed", "merged", "created", "failed", "failed"]
    assert {e["field"] for e in body["results"][1]["errors"]} == {"name", "email"}
    assert body["results"][5]["errors"][0]["field"] == "owner_id"
    assert body["results"][2]["id"] == body["results"][0]["id"]
    assert (body["created"], body["merged"], body["failed"]) == (2, 1, 3)
    assert count(svc) == 2
    too_many = svc.client.post(
        "/api/v1/leads/batch", json={"leads": [{"name": "x"}] * 1001}, headers=rep.headers
    )
    assert too_many.status_code == 422


def test_likely_duplicates_are_flagged_and_merge_keeps_both_histories(svc):
    rep = svc.user()
    a = svc.client.post(
        "/api/v1/leads",
        json={"name": "Grace Hopper", "company": "Navy Ltd", "email": "g@navy.mil"},
        headers=rep.headers,
    ).json
    b = svc.client.post(
        "/api/v1/leads",
        json={"name": "grace hopper", "company": "NAVY", "phone": "+1 415 555 2671"},
        headers=rep.headers,
    ).json
    process(svc)
    flagged = svc.client.get("/api/v1/leads?duplicates=true", headers=rep.headers).json
    assert [i["id"] for i in flagged["items"]] == [b["id"]]
    assert flagged["items"][0]["possible_duplicate_of"] == a["id"]
    svc.client.post(
        f"/api/v1/leads/{b['id']}/activities", json={"kind": "call"}, headers=rep.headers
    )
    merged = svc.client.post(
        f"/api/v1/leads/{a['id']}/merge", json={"other_id": b["id"]}, headers=rep.headers
    )
    assert merged.status_code == 200, merged.json
    assert merged.json["phone"] == "+14155552671"  # filled from the other
    history = svc.client.get(f"/api/v1/leads/{a['id']}/activities", headers=rep.headers).json
    kinds = [i["kind"] for i in history["items"]]
    assert "call" in kinds and "merged" in kinds and kinds.count("captured") == 2
    gone = svc.client.get(f"/api/v1/leads/{b['id']}", headers=rep.headers).json
    assert gone["merged_into_id"] == a["id"]
    assert count(svc) == 1


# ---------------------------------------------------------------- scoring


def test_score_with_reasons_and_priority_order(svc):
    rep = svc.user()
    low = svc.client.post("/api/v1/leads", json={"name": "Low"}, headers=rep.headers).json
    high = svc.client.post(
        "/api/v1/leads",
        json={"name": "High", "title": "CEO", "company_size": 5000, "company": "Big"},
        headers=rep.headers,
    ).json
    process(svc)
    lead = svc.client.get(f"/api/v1/leads/{high['id']}", headers=rep.headers).json
    assert lead["score"] == 50  # default rules: title 20 + 200+ 15 + 1000+ 10 + company 5
    assert {r["rule"] for r in lead["score_reasons"]} >= {"Decision-maker title"}
    opened = svc.client.post(
        f"/api/v1/leads/{low['id']}/activities",
        json={"kind": "meeting", "note": "demo"},
        headers=rep.headers,
    )
    assert opened.status_code == 201
    low_now = svc.client.get(f"/api/v1/leads/{low['id']}", headers=rep.headers).json
    assert low_now["score"] == 20  # the default "Meeting held" behaviour rule
    assert low_now["status"] == "contacted"
    ordered = svc.client.get("/api/v1/leads?sort=-score", headers=rep.headers).json["items"]
    assert [i["name"] for i in ordered] == ["High", "Low"]


def test_scoring_rules_are_data_and_auto_qualification_publishes(svc):
    admin = svc.user("admin")
    rule = svc.client.post(
        "/api/v1/scoring-rules",
        json={
            "name": "Banks",
            "kind": "attribute",
            "field": "industry",
            "operator": "in",
            "value": ["banking"],
            "points": 90,
        },
        headers=admin.headers,
    )
    assert rule.status_code == 201, rule.json
    bad = svc.client.post(
        "/api/v1/scoring-rules",
        json={"name": "x", "kind": "behaviour", "activity_kind": "visit", "points": -5},
        headers=admin.headers,
    )
    assert bad.status_code == 422
    settings = svc.client.put(
        "/api/v1/scoring-rules/settings",
        json={"auto_qualify": True, "threshold": 80},
        headers=admin.headers,
    )
    assert settings.status_code == 200
    lead = svc.client.post(
        "/api/v1/leads",
        json={"name": "Bank", "industry": "Banking", "email": "cfo@bank.com"},
        headers=admin.headers,
    ).json
    process(svc)
    after = svc.client.get(f"/api/v1/leads/{lead['id']}", headers=admin.headers).json
    assert after["status"] == "qualified"
    [event] = svc.events("lead.qualified")
    assert event["data"]["automatic"] is True
    assert event["data"]["score"] >= 80
    assert event["data"]["email"] == "cfo@bank.com"


# ---------------------------------------------------------------- assignment


def test_rules_route_round_robin_and_assignee_sees_it(svc):
    team = uuid.uuid4()
    manager = member(svc, "manager", team_id=team)
    a = member(svc, "rep", team_id=team)
    b = member(svc, "rep", team_id=team)
    rule = svc.client.post(
        "/api/v1/assignment-rules",
        json={
            "name": "EMEA",
            "strategy": "round_robin",
            "conditions": {"regions": ["EMEA"]},
            "members": [str(a.id), str(b.id)],
            "response_minutes": 30,
        },
        headers=manager.headers,
    )
    assert rule.status_code == 201, rule.json
    batch = svc.client.post(
        "/api/v1/leads/batch",
        json={
            "auto_assign": True,
            "leads": [{"name": f"L{i}", "region": "EMEA"} for i in range(4)]
            + [{"name": "Elsewhere", "region": "APAC"}],
        },
        headers=manager.headers,
    )
    assert batch.json["created"] == 5
    process(svc)
    mine_a = svc.client.get("/api/v1/leads", headers=a.headers).json["items"]
    mine_b = svc.client.get("/api/v1/leads", headers=b.headers).json["items"]
    assert len(mine_a) == len(mine_b) == 2
    assert mine_a[0]["response_due_at"] is not None
    assigned = svc.events("lead.assigned")
    assert len(assigned) == 4
    assert {e["data"]["method"] for e in assigned} == {"rule"}
    unassigned = svc.client.get("/api/v1/leads?unassigned=true", headers=manager.headers).json
    assert [i["name"] for i in unassigned["items"]] == ["Elsewhere"]
    # A manager reassigns by hand, with a reason.
    lead_id = mine_a[0]["id"]
    moved = svc.client.post(
        f"/api/v1/leads/{lead_id}/assign",
        json={"owner_id": str(b.id), "reason": "speaks German"},
        headers=manager.headers,
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["owner_id"] == str(b.id)
    assert svc.events("lead.assigned")[-1]["data"]["reason"] == "speaks German"
    refused = svc.client.post(
        f"/api/v1/leads/{lead_id}/assign",
        json={"owner_id": str(a.id), "reason": "x"},
        headers=a.headers,
    )
    assert refused.status_code in (403, 404)


def test_caps_and_inactive_members_are_respected_and_overdue_leads_move(svc):
    admin = svc.user("admin")
    a = member(svc, "rep")
    b = member(svc, "rep")
    svc.client.patch(
        f"/api/v1/assignment-rules/members/{a.id}",
        json={"max_open_leads": 1},
        headers=admin.headers,
    )
    svc.client.post(
        "/api/v1/assignment-rules",
        json={
            "name": "All",
            "strategy": "least_loaded",
            "members": [str(a.id), str(b.id)],
            "response_minutes": 1,
        },
        headers=admin.headers,
    )
    svc.client.post(
        "/api/v1/leads/batch",
        json={"auto_assign": True, "leads": [{"name": f"L{i}"} for i in range(4)]},
        headers=admin.headers,
    )
    process(svc)
    owners = [
        i["owner_id"] for i in svc.client.get("/api/v1/leads", headers=admin.headers).json["items"]
    ]
    assert owners.count(str(a.id)) == 1
    assert owners.count(str(b.id)) == 3
    # Time passes with no follow-up: the leads go back for reassignment.
    with svc.db.transaction() as session:
        from datetime import timedelta

        from crm_shared.db import utcnow

        for lead in session.scalars(select(Lead)):
            lead.response_due_at = utcnow() - timedelta(minutes=1)
    svc.client.patch(
        f"/api/v1/assignment-rules/members/{a.id}",
        json={"max_open_leads": 10},
        headers=admin.headers,
    )
    moved = svc.run_job("reassign-overdue")
    assert moved >= 1
    timeouts = [e for e in svc.events("lead.assigned") if e["data"]["method"] == "response_timeout"]
    assert timeouts and all(
        e["data"]["owner_id"] != e["data"]["previous_owner_id"] for e in timeouts
    )


# ---------------------------------------------------------------- lifecycle


def test_lifecycle_and_disqualification_reason(svc):
    rep = svc.user()
    lead = svc.client.post("/api/v1/leads", json={"name": "L"}, headers=rep.headers).json
    url = f"/api/v1/leads/{lead['id']}"
    assert (
        svc.client.post(url + "/status", json={"status": "nurturing"}, headers=rep.headers).json[
            "status"
        ]
        == "nurturing"
    )
    activity = svc.client.post(
        url + "/activities",
        json={
            "kind": "note",
            "note": "call back",
            "next_step": "call",
            "next_step_at": "2030-01-01T09:00:00Z",
        },
        headers=rep.headers,
    )
    assert activity.status_code == 201
    assert svc.client.get(url, headers=rep.headers).json["next_step"] == "call"
    missing = svc.client.post(url + "/disqualify", json={}, headers=rep.headers)
    assert missing.status_code == 422
    done = svc.client.post(url + "/disqualify", json={"reason": "no budget"}, headers=rep.headers)
    assert done.json["status"] == "disqualified"
    [event] = svc.events("lead.disqualified")
    assert event["data"]["reason"] == "no budget"
    assert svc.client.post(url + "/qualify", headers=rep.headers).status_code == 409


# ---------------------------------------------------------------- web forms


def _source(svc, admin, **extra):
    response = svc.client.post(
        "/api/v1/lead-sources",
        json={"name": "Spring page", "allowed_origins": ["https://promo.example.com"], **extra},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def test_web_form_capture_with_cors_honeypot_and_rate_limit(svc):
    admin = svc.user("admin")
    source = _source(svc, admin, per_client_per_minute=3)
    url = f"/api/v1/forms/{source['form_key']}"
    origin = {"Origin": "https://promo.example.com", "X-Forwarded-For": "203.0.113.9"}
    pre = svc.client.options(url, headers={**origin, "Access-Control-Request-Method": "POST"})
    assert pre.headers["Access-Control-Allow-Origin"] == "https://promo.example.com"
    ok = svc.client.post(
        url,
        data={"name": "Visitor", "email": "v@example.com", "utm_source": "ads"},
        headers=origin,
    )
    assert ok.status_code == 202, ok.json
    assert ok.headers["Access-Control-Allow-Origin"] == "https://promo.example.com"
    evil = svc.client.post(
        url,
        json={"name": "X", "email": "x@example.com"},
        headers={"Origin": "https://evil.example.net"},
    )
    assert evil.status_code == 403
    bot = svc.client.post(
        url,
        json={"name": "Bot", "email": "bot@example.com", "website_url": "http://spam"},
        headers=origin,
    )
    assert bot.status_code == 202
    third = svc.client.post(url, json={"name": "Y", "email": "y@example.com"}, headers=origin)
    assert third.status_code == 202
    limited = svc.client.post(url, json={"name": "Z", "email": "z@example.com"}, headers=origin)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert (
        svc.client.post(
            "/api/v1/forms/lf_unknown", json={"name": "Z", "email": "z@example.com"}
        ).status_code
        == 404
    )
    with svc.db.session() as session:
        leads = session.scalars(select(Lead)).all()
    assert sorted(lead.email for lead in leads) == ["v@example.com", "y@example.com"]
    visitor = next(lead for lead in leads if lead.email == "v@example.com")
    assert visitor.channel == "web_form" and visitor.source == "Spring page"
    assert visitor.utm == {"utm_source": "ads"}


def test_form_field_errors_name_the_field(svc):
    admin = svc.user("admin")
    source = _source(svc, admin)
    url = f"/api/v1/forms/{source['form_key']}"
    bad = svc.client.post(url, json={"name": "A", "email": "nope", "colour": "red"})
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "colour"
    none = svc.client.post(url, json={"name": "A"})
    assert none.status_code == 422 and none.json["errors"][0]["field"] == "email"
    assert count(svc) == 0


# ---------------------------------------------------------------- imports

SALESFORCE = (
    "FirstName,LastName,Company,Email,Phone,MobilePhone,LeadSource,Status,Industry,City,State,"
    "Country,Title\n"
    "Ada,Lovelace,Analytical,ada@example.com,+44 20 7946 0958,,Web,Open - Not Contacted,Tech,"
    "London,,UK,CTO\n"
    "Bad,Email,X,not-an-email,,,,,,,,,\n"
    "Ada,Again,Analytical,ADA@example.com,,,,,,,,,\n"
    ",,,,,,,,,,,,\n"
    "Grace,Hopper,Navy,grace@navy.mil,,,,Closed - Converted,,,,,\n"
)


def upload(svc, user, text, *, encoding="utf-8", bom=False, form=None, name="leads.csv"):
    data = text.encode(encoding)
    if bom:
        data = codecs.BOM_UTF8 + data
    return svc.client.post(
        "/api/v1/leads/imports",
        data={"file": (io.BytesIO(data), name), **(form or {})},
        headers=user.headers,
        content_type="multipart/form-data",
    )


def test_salesforce_import_reports_every_row(svc):
    admin = svc.user("admin")
    job = upload(svc, admin, SALESFORCE, bom=True)
    assert job.status_code == 202, job.json
    assert job.json["status"] == "pending" and job.json["total"] == 4
    assert job.json["preset"] == "salesforce"
    svc.run_job("import-leads")
    done = svc.client.get(f"/api/v1/leads/imports/{job.json['id']}", headers=admin.headers).json
    assert done["status"] == "completed"
    assert (done["imported"], done["duplicates"], done["failed"]) == (2, 1, 1)
    assert done["errors"] == [
        {"line": 3, "field": "email", "reason": "email: is not a valid email address"}
    ]
    with svc.db.session() as session:
        grace = session.scalar(select(Lead).where(Lead.email == "grace@navy.mil"))
    assert grace.status == "qualified" and grace.channel == "import"


def test_hubspot_gb18030_and_custom_mapping(svc):
    admin = svc.user("admin")
    hubspot = "First Name,Last Name,Email,Company Name,Phone Number,Lifecycle Stage\n"
    hubspot += "李,雷,li@example.cn,北京公司,+86 10 6552 9988,lead\n"
    job = upload(svc, admin, hubspot, encoding="gb18030")
    assert job.status_code == 202, job.json
    assert job.json["encoding"] == "gb18030" and job.json["preset"] == "hubspot"
    custom = upload(
        svc,
        admin,
        "Who,Mail\nAlan,alan@example.com\n",
        form={"mapping": json.dumps({"Who": "name", "Mail": "email"}), "assign": "false"},
    )
    assert custom.status_code == 202, custom.json
    svc.run_job("import-leads")
    with svc.db.session() as session:
        names = sorted(session.scalars(select(Lead.name)))
    assert names == ["Alan", "李 雷"]


def test_bad_files_are_refused_before_a_job_exists(svc):
    admin = svc.user("admin")
    latin1 = "name,email\nJosé,j@example.com\n".encode("latin-1") + b"\xff\xfe\x00"
    wrong = svc.client.post(
        "/api/v1/leads/imports",
        data={"file": (io.BytesIO(latin1), "x.csv")},
        headers=admin.headers,
        content_type="multipart/form-data",
    )
    assert wrong.status_code == 422
    assert wrong.json["errors"][0]["field"] == "file"
    headerless = upload(svc, admin, "foo,bar\n1,2\n")
    assert headerless.status_code == 422
    assert "header" in headerless.json["errors"][0]["message"]
    with svc.db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(import_jobs)).scalar() == 0


def test_oversized_upload_is_refused_before_it_is_read(harness_factory):
    from leads.service import SERVICE

    small = harness_factory(SERVICE, environ={"CRM_LEADS_MAX_IMPORT_BYTES": "2048"})
    admin = small.user("admin")
    response = upload(small, admin, "name\n" + "x\n" * 5000)
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"


def test_export_round_trips_through_import(svc, harness_factory):
    from leads.service import SERVICE

    rep = svc.user()
    svc.client.post(
        "/api/v1/leads/batch",
        json={
            "leads": [
                {
                    "name": "Ada",
                    "email": "ada@example.com",
                    "phone": "+44 20 7946 0958",
                    "company": "=cmd()",
                    "company_size": 12,
                    "title": "CTO",
                },
                {"name": "李雷", "email": "li@example.cn", "country": "CN"},
            ]
        },
        headers=rep.headers,
    )
    exported = svc.client.get("/api/v1/leads/export", headers=rep.headers)
    assert exported.status_code == 200
    assert exported.mimetype == "text/csv"
    other = harness_factory(SERVICE)
    admin = other.user("admin")
    job = upload(other, admin, exported.data.decode("utf-8-sig"), bom=True)
    assert job.status_code == 202, job.json
    assert job.json["preset"] == "crm"
    other.run_job("import-leads")
    with svc.db.session() as a, other.db.session() as b:
        fields = ("name", "email", "phone", "company_size", "title", "country")
        first = sorted(tuple(getattr(x, f) for f in fields) for x in a.scalars(select(Lead)))
        second = sorted(tuple(getattr(x, f) for f in fields) for x in b.scalars(select(Lead)))
    assert first == second


# ---------------------------------------------------------------- campaigns


def test_campaign_attribution_from_deal_won(svc):
    admin = svc.user("admin")
    campaign = svc.client.post(
        "/api/v1/campaigns",
        json={
            "name": "Spring",
            "channel": "ads",
            "budget": "1000.00",
            "currency": "USD",
            "starts_on": "2026-03-01",
            "ends_on": "2026-05-31",
        },
        headers=admin.headers,
    )
    assert campaign.status_code == 201, campaign.json
    cid = campaign.json["id"]
    bad = svc.client.post(
        "/api/v1/campaigns",
        json={"name": "X", "channel": "ads", "budget": "1.001", "currency": "USD"},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "budget"
    leads = [
        svc.client.post(
            "/api/v1/leads", json={"name": f"L{i}", "campaign_id": cid}, headers=admin.headers
        ).json
        for i in range(4)
    ]
    svc.client.post(f"/api/v1/leads/{leads[0]['id']}/qualify", headers=admin.headers)
    won = svc.event(
        "deal.won",
        {
            "opportunity_id": str(uuid.uuid4()),
            "customer_id": str(uuid.uuid4()),
            "amount": "2500.00",
            "currency": "USD",
            "owner_id": str(admin.id),
            "lead_id": leads[0]["id"],
            "won_at": "2026-06-01T10:00:00Z",
        },
    )
    assert svc.deliver(won)
    again = svc.event("deal.won", won.data)  # same deal, another event id
    svc.deliver(again)
    stats = svc.client.get(f"/api/v1/campaigns/{cid}", headers=admin.headers).json["stats"]
    assert stats["captured"] == 4 and stats["qualified"] == 1 and stats["won"] == 1
    assert stats["revenue"] == [{"amount": "2500.00", "currency": "USD"}]
    assert stats["cost_per_lead"] == "250.00"
    assert stats["roi"] == "1.5000"
    unknown = svc.client.post(
        "/api/v1/leads",
        json={"name": "X", "campaign_id": str(uuid.uuid4())},
        headers=admin.headers,
    )
    assert unknown.status_code == 422


def test_members_follow_user_events_newest_first(svc):
    admin = svc.user("admin")
    user_id = str(uuid.uuid4())
    older = svc.event(
        "user.created", {"user_id": user_id, "username": "u", "roles": ["rep"], "active": True}
    )
    newer = svc.event(
        "user.updated", {"user_id": user_id, "username": "u", "roles": ["rep"], "active": False}
    )
    svc.deliver(newer)
    svc.deliver(older)  # arrives late: ignored
    members = svc.client.get("/api/v1/assignment-rules/members", headers=admin.headers).json
    assert [m["active"] for m in members["items"]] == [False]
