"""Imports and export: Salesforce, HubSpot, GB18030, bad files, the round trip."""

from __future__ import annotations

import codecs
import io
import json

from sqlalchemy import func, select

from crm_shared.tables import import_jobs
from leads.models import Lead

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
        {
            "line": 3,
            "field": "email",
            "reason": "email: is not a valid email address",
            "severity": "error",
        }
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


def test_bad_files_are_refused_before_a_job_exists(svc, count):
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
