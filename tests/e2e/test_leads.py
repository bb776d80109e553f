"""Lead intake end to end, through the gateway, in both local modes.

Web-form capture with CORS, batch capture, a CSV import job to completion,
rule-based assignment seen by the assignee, and automatic qualification
reaching the customers service.
"""

from __future__ import annotations

import uuid

import pytest

from .conftest import ADMIN_PASSWORD, System, eventually

pytestmark = pytest.mark.e2e

ORIGIN = "https://promo.example.com"


@pytest.fixture(scope="module")
def crew(system: System) -> dict[str, dict[str, str]]:
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"Leads {suffix}"})
    assert team.status_code == 201, team.text
    people = {"admin": {"token": admin}}
    for name, roles in (("manager", ["manager"]), ("rep1", ["rep"]), ("rep2", ["rep"])):
        username = f"{name}-{suffix}"
        created = system.call(
            "POST",
            "/api/v1/users",
            admin,
            json={
                "username": username,
                "password": "a-long-password",
                "roles": roles,
                "team_id": team.json()["id"],
            },
        )
        assert created.status_code == 201, created.text
        people[name] = {
            "token": system.token(username, "a-long-password"),
            "id": created.json()["id"],
        }
    return people


def test_web_form_capture_with_cors(system: System, crew) -> None:
    admin = crew["admin"]["token"]
    source = system.call(
        "POST",
        "/api/v1/lead-sources",
        admin,
        json={"name": "Spring landing page", "allowed_origins": [ORIGIN]},
    )
    assert source.status_code == 201, source.text
    url = f"/api/v1/forms/{source.json()['form_key']}"
    preflight = system.call(
        "OPTIONS", url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == ORIGIN
    email = f"visitor-{uuid.uuid4().hex[:6]}@example.com"
    posted = system.call(
        "POST",
        url,
        headers={"Origin": ORIGIN},
        data={"name": "Visitor", "email": email, "utm_campaign": "spring"},
    )
    assert posted.status_code == 202, posted.text
    assert posted.headers.get("Access-Control-Allow-Origin") == ORIGIN
    refused = system.call(
        "POST", url, headers={"Origin": "https://evil.example.net"}, json={"email": email}
    )
    assert refused.status_code == 403
    listed = system.call("GET", "/api/v1/leads", admin, params={"q": email}).json()["items"]
    assert [(i["email"], i["channel"]) for i in listed] == [(email, "web_form")]


def test_batch_capture_keeps_the_good_items(system: System, crew) -> None:
    rep = crew["rep1"]["token"]
    tag = uuid.uuid4().hex[:6]
    response = system.call(
        "POST",
        "/api/v1/leads/batch",
        rep,
        json={
            "leads": [
                {"name": "B1", "email": f"b1-{tag}@example.com"},
                {"name": "B2", "email": "nope"},
                {"name": "B1 again", "email": f"B1-{tag}@example.com"},
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["created", "failed", "merged"]


def test_csv_import_job_runs_to_completion(system: System, crew) -> None:
    admin = crew["admin"]["token"]
    tag = uuid.uuid4().hex[:6]
    rows = ["FirstName,LastName,Company,Email,Phone,Status"]
    rows += [f"P{i},L{i},Co,imp-{tag}-{i}@example.com,,Open - Not Contacted" for i in range(30)]
    rows += [f"Dup,L,Co,IMP-{tag}-0@example.com,,", "Bad,Row,Co,not-an-email,,"]
    upload = system.call(
        "POST",
        "/api/v1/leads/imports",
        admin,
        files={"file": ("sf.csv", ("\ufeff" + "\n".join(rows) + "\n").encode(), "text/csv")},
        data={"assign": "false"},
    )
    assert upload.status_code == 202, upload.text
    job_url = f"/api/v1/leads/imports/{upload.json()['id']}"

    def completed():
        job = system.call("GET", job_url, admin).json()
        return job if job["status"] == "completed" else None

    job = eventually(completed, timeout=60)
    assert (job["total"], job["imported"], job["duplicates"], job["failed"]) == (32, 30, 1, 1)
    assert job["errors"][0]["line"] == 33
    assert job["preset"] == "salesforce"


def test_assignment_is_visible_to_the_assignee(system: System, crew) -> None:
    manager = crew["manager"]["token"]
    rep1, rep2 = crew["rep1"], crew["rep2"]

    def members_known():
        listed = system.call("GET", "/api/v1/assignment-rules/members", manager).json()["items"]
        return {rep1["id"], rep2["id"]} <= {m["user_id"] for m in listed}

    eventually(members_known)
    region = f"R-{uuid.uuid4().hex[:6]}"
    rule = system.call(
        "POST",
        "/api/v1/assignment-rules",
        manager,
        json={
            "name": "Region rule",
            "strategy": "round_robin",
            "conditions": {"regions": [region]},
            "members": [rep1["id"], rep2["id"]],
        },
    )
    assert rule.status_code == 201, rule.text
    captured = system.call(
        "POST",
        "/api/v1/leads",
        manager,
        json={"name": "Routed", "region": region, "auto_assign": True},
    )
    assert captured.status_code == 201, captured.text
    lead_id = captured.json()["id"]

    def owner():
        return system.call("GET", f"/api/v1/leads/{lead_id}", manager).json()["owner_id"]

    owner_id = eventually(owner)
    assignee = rep1 if owner_id == rep1["id"] else rep2
    mine = system.call("GET", "/api/v1/leads", assignee["token"]).json()["items"]
    assert lead_id in [i["id"] for i in mine]


def test_automatic_qualification_reaches_customers(system: System, crew) -> None:
    admin = crew["admin"]["token"]
    rep = crew["rep1"]["token"]
    marker = f"vip-{uuid.uuid4().hex[:6]}"
    rule = system.call(
        "POST",
        "/api/v1/scoring-rules",
        admin,
        json={
            "name": "VIP source",
            "kind": "attribute",
            "field": "source",
            "operator": "equals",
            "value": marker,
            "points": 100,
        },
    )
    assert rule.status_code == 201, rule.text
    settings = system.call(
        "PUT", "/api/v1/scoring-rules/settings", admin, json={"auto_qualify": True, "threshold": 90}
    )
    assert settings.status_code == 200, settings.text
    lead = system.call(
        "POST",
        "/api/v1/leads",
        rep,
        json={"name": "Hot prospect", "email": f"{marker}@example.com", "source": marker},
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]

    def qualified():
        body = system.call("GET", f"/api/v1/leads/{lead_id}", rep).json()
        return body if body["status"] == "qualified" else None

    assert eventually(qualified)["score"] == 100

    def customer():
        listed = system.call("GET", "/api/v1/customers", rep, params={"lead_id": lead_id})
        return listed.json()["items"][0]

    assert eventually(customer)["owner_id"] == crew["rep1"]["id"]
    system.call("PUT", "/api/v1/scoring-rules/settings", admin, json={"auto_qualify": False})


def test_archive_restore_and_erasure_reach_customers(system: System, crew) -> None:
    """Issue 13 item 24: a lead archived and restored; erased, and customers drops its copy."""
    admin = crew["admin"]["token"]
    rep = crew["rep1"]["token"]
    email = f"erase-{uuid.uuid4().hex[:6]}@example.com"
    lead = system.call(
        "POST",
        "/api/v1/leads",
        rep,
        json={"name": "Erase Me", "email": f"  {email.upper()} ", "company": "Forget Ltd"},
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    assert lead.json()["email"] == email
    archived = system.call("POST", f"/api/v1/leads/{lead_id}/archive", rep)
    assert archived.status_code == 200 and archived.json()["archived_at"], archived.text
    listed = system.call("GET", "/api/v1/leads", rep, params={"limit": 200}).json()["items"]
    assert lead_id not in [item["id"] for item in listed]
    restored = system.call("POST", f"/api/v1/leads/{lead_id}/restore", rep)
    assert restored.status_code == 200 and restored.json()["archived_at"] is None
    qualified = system.call("POST", f"/api/v1/leads/{lead_id}/qualify", rep)
    assert qualified.status_code == 200, qualified.text

    def customer():
        found = system.call("GET", "/api/v1/customers", rep, params={"lead_id": lead_id})
        return found.json()["items"][0]

    assert eventually(customer)["email"] == email
    assert system.call("POST", f"/api/v1/leads/{lead_id}/erase", rep).status_code == 403
    erased = system.call("POST", f"/api/v1/leads/{lead_id}/erase", admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["email"] is None and erased.json()["name"] == "(erased)"

    def blanked():
        found = customer()
        return found if found["email"] is None else None

    assert eventually(blanked)["name"] == "Forget Ltd"
