"""What users hit (issue 13): phones by country, trimmed emails, phone search, a returning
prospect, merges into someone else's lead, archiving and erasure."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from leads.models import Lead, LeadActivity

from .test_imports import upload

CHINA_ROWS = (
    "name,email,phone,country\n"
    "Li Wei,li.wei@example.cn,138 0013 8000,China\n"
    "Wang Fang,wang.fang@example.cn,13900139000,中国\n"
    "Zhang San,zhang.san@example.cn,call me maybe,CN\n"
)


def test_import_reads_phones_in_the_rows_country_and_keeps_unreadable_ones_with_a_warning(svc):
    admin = svc.user("admin")
    job = upload(svc, admin, CHINA_ROWS, form={"assign": "false"})
    assert job.status_code == 202, job.json
    svc.run_job("import-leads")
    done = svc.client.get(f"/api/v1/leads/imports/{job.json['id']}", headers=admin.headers).json
    assert (done["imported"], done["failed"]) == (3, 0), done
    assert done["warnings"] == 1
    [warning] = done["errors"]
    assert warning["line"] == 4 and warning["field"] == "phone"
    assert warning["severity"] == "warning"
    assert "kept as given" in warning["reason"]
    leads = svc.client.get("/api/v1/leads", query_string={"limit": 10}, headers=admin.headers).json[
        "items"
    ]
    by_name = {lead["name"]: lead for lead in leads}
    assert by_name["Li Wei"]["phone"] == "+8613800138000"
    assert by_name["Li Wei"]["phone_verified"] is True
    assert by_name["Wang Fang"]["phone"] == "+8613900139000"
    assert by_name["Zhang San"]["phone"] == "call me maybe"
    assert by_name["Zhang San"]["phone_verified"] is False


def test_api_capture_reads_a_national_mobile_in_the_leads_country(svc):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads",
        json={"name": "Chen", "phone": "138-0013-8001", "country": "中国"},
        headers=rep.headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["phone"] == "+8613800138001"


def test_emails_are_trimmed_before_they_are_checked(svc):
    rep = svc.user()
    response = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "  Ada@Example.com \n"}, headers=rep.headers
    )
    assert response.status_code == 201, response.json
    assert response.json["email"] == "ada@example.com"
    patched = svc.client.patch(
        f"/api/v1/leads/{response.json['id']}",
        json={"email": " ada.l@example.com "},
        headers=rep.headers,
    )
    assert patched.status_code == 200, patched.json
    assert patched.json["email"] == "ada.l@example.com"


def test_leads_are_found_by_phone_in_any_format(svc):
    rep = svc.user()
    lead = svc.client.post(
        "/api/v1/leads", json={"name": "Grace", "phone": "+1 415 555 2671"}, headers=rep.headers
    ).json
    svc.client.post(
        "/api/v1/leads", json={"name": "Other", "phone": "+14155552672"}, headers=rep.headers
    )
    for typed in ("(415) 555-2671", "+14155552671", "415 555 2671", "1-415-555-2671"):
        found = svc.client.get(
            "/api/v1/leads", query_string={"q": typed}, headers=rep.headers
        ).json["items"]
        assert [f["id"] for f in found] == [lead["id"]], typed


def test_a_returning_disqualified_prospect_reopens_their_lead(svc):
    rep = svc.user()
    lead = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ada@example.com"}, headers=rep.headers
    ).json
    closed = svc.client.post(
        f"/api/v1/leads/{lead['id']}/disqualify", json={"reason": "no budget"}, headers=rep.headers
    )
    assert closed.status_code == 200 and closed.json["status"] == "disqualified"
    again = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ADA@example.com"}, headers=rep.headers
    )
    assert again.status_code == 200 and again.json["id"] == lead["id"]
    assert again.json["status"] == "new"
    shown = svc.client.get(f"/api/v1/leads/{lead['id']}", headers=rep.headers).json
    assert shown["status"] == "new" and shown["reopened_at"] is not None
    assert shown["disqualified_reason"] is None
    history = svc.client.get(f"/api/v1/leads/{lead['id']}/activities", headers=rep.headers).json
    reopened = [a for a in history["items"] if a["kind"] == "reopened"]
    assert reopened and reopened[0]["details"]["disqualified_reason"] == "no budget"
    assert [a["kind"] for a in history["items"]].count("disqualified") == 1


def test_a_qualified_lead_only_takes_the_touch(svc):
    rep = svc.user()
    lead = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ada@example.com"}, headers=rep.headers
    ).json
    svc.client.post(f"/api/v1/leads/{lead['id']}/qualify", headers=rep.headers)
    again = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ada@example.com"}, headers=rep.headers
    )
    assert again.status_code == 200 and again.json["status"] == "qualified"


def test_a_merge_into_another_teams_lead_tells_nothing_about_it(svc):
    theirs = svc.user("rep", team_id=uuid.uuid4())
    mine = svc.user("rep", team_id=uuid.uuid4())
    lead = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada Lovelace", "email": "ada@example.com", "company": "Engines"},
        headers=theirs.headers,
    ).json
    response = svc.client.post(
        "/api/v1/leads", json={"name": "A. L.", "email": "ada@example.com"}, headers=mine.headers
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["merged"] is True and body["id"] is None
    assert lead["id"] not in str(body) and str(theirs.id) not in str(body)
    assert "owner_id" not in body and "touches" not in body and "status" not in body
    assert body["name"] == "A. L." and "Engines" not in str(body)
    batch = svc.client.post(
        "/api/v1/leads/batch",
        json={"leads": [{"name": "x", "email": "ada@example.com"}]},
        headers=mine.headers,
    ).json
    assert batch["results"][0]["status"] == "merged" and batch["results"][0]["id"] is None
    # The owner still sees both captures on their lead.
    shown = svc.client.get(f"/api/v1/leads/{lead['id']}", headers=theirs.headers).json
    assert shown["touches"] == 3


def test_archived_leads_leave_the_list_and_are_not_assigned(svc, member, process):
    manager = member(svc, "manager", team_id=uuid.uuid4())
    lead = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ada@example.com"}, headers=manager.headers
    ).json
    archived = svc.client.post(f"/api/v1/leads/{lead['id']}/archive", headers=manager.headers)
    assert archived.status_code == 200 and archived.json["archived_at"] is not None
    listed = svc.client.get("/api/v1/leads", headers=manager.headers).json["items"]
    assert lead["id"] not in [item["id"] for item in listed]
    shown = svc.client.get(
        "/api/v1/leads", query_string={"archived": "true"}, headers=manager.headers
    ).json["items"]
    assert [item["id"] for item in shown] == [lead["id"]]
    other = member(svc, "rep", team_id=manager.team_id)
    refused = svc.client.post(
        f"/api/v1/leads/{lead['id']}/assign",
        json={"owner_id": str(other.id), "reason": "cover"},
        headers=manager.headers,
    )
    assert refused.status_code == 409
    restored = svc.client.post(f"/api/v1/leads/{lead['id']}/restore", headers=manager.headers)
    assert restored.status_code == 200 and restored.json["archived_at"] is None
    listed = svc.client.get("/api/v1/leads", headers=manager.headers).json["items"]
    assert lead["id"] in [item["id"] for item in listed]


def test_an_admin_erases_a_lead_and_its_history_and_others_are_told(svc):
    rep = svc.user()
    admin = svc.user("admin")
    lead = svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+442079460958"},
        headers=rep.headers,
    ).json
    svc.client.post(
        "/api/v1/leads",
        json={"name": "Ada", "email": "ada@example.com", "notes": "lives at 12 Baker St"},
        headers=rep.headers,
    )
    assert (
        svc.client.post(f"/api/v1/leads/{lead['id']}/erase", headers=rep.headers).status_code == 403
    )
    erased = svc.client.post(f"/api/v1/leads/{lead['id']}/erase", headers=admin.headers)
    assert erased.status_code == 200, erased.json
    body = erased.json
    assert body["name"] == "(erased)" and body["email"] is None and body["phone"] is None
    assert body["erased_at"] is not None and body["archived_at"] is not None
    with svc.db.session() as session:
        notes = session.scalars(
            select(LeadActivity.details).where(LeadActivity.lead_id == uuid.UUID(lead["id"]))
        ).all()
        assert "Baker" not in str(notes) and "ada@example.com" not in str(notes)
        assert session.scalar(select(Lead.id).where(Lead.email == "ada@example.com")) is None
    [event] = svc.events("lead.erased")
    assert event["data"]["lead_id"] == lead["id"]
    again = svc.client.post(f"/api/v1/leads/{lead['id']}/erase", headers=admin.headers)
    assert again.status_code == 200 and len(svc.events("lead.erased")) == 1
    # The same person captured afresh is a new lead, not a touch on the erased one.
    fresh = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ada@example.com"}, headers=rep.headers
    )
    assert fresh.status_code == 201


def test_customer_erased_erases_the_lead_it_came_from(svc):
    rep = svc.user()
    lead = svc.client.post(
        "/api/v1/leads", json={"name": "Ada", "email": "ada@example.com"}, headers=rep.headers
    ).json
    event = svc.event(
        "customer.erased",
        {
            "customer_id": str(uuid.uuid4()),
            "contact_ids": [],
            "lead_id": lead["id"],
            "erased_at": "2026-12-03T06:00:00Z",
        },
    )
    assert svc.deliver(event)
    assert svc.deliver(event) in (True, False)  # a duplicate changes nothing
    shown = svc.client.get(f"/api/v1/leads/{lead['id']}", headers=rep.headers).json
    assert shown["email"] is None and shown["erased_at"] is not None
    assert len(svc.events("lead.erased")) == 1
