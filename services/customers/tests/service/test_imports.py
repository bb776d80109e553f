"""Service tests of the customer CSV import (on the shared import-job mechanism)."""

from __future__ import annotations

import io
import json
import uuid

from sqlalchemy import func, select

from customers.models import Contact, Customer

CSV = (
    "name,email,phone,industry,city,country,latitude,longitude,tags,contact_name,contact_email\n"
    "Analytical Engines,info@ae.example,+44 1,Manufacturing,London,GB,51.5,-0.12,vip;key,"
    "Ada,ada@ae.example\n"
    ",nobody@example.com,,,,,,,,,\n"
    "Difference Co,diff@example.com,,Finance,Paris,Atlantis,,,,,\n"
    "Analytical Engines,info@ae.example,+44 1,,,,,,,,\n"
    "Jacquard Looms,looms@example.com,,Textiles,Lyon,FR,45.76,4.83,,,\n"
)


def upload(svc, user, data: bytes, **form):
    return svc.client.post(
        "/api/v1/customers/imports",
        data={"file": (io.BytesIO(data), "customers.csv"), **form},
        content_type="multipart/form-data",
        headers=user.headers,
    )


def test_a_csv_becomes_customers_with_a_per_row_report(svc):
    rep = svc.user()
    created = upload(svc, rep, CSV.encode())
    assert created.status_code == 202, created.json
    job = created.json
    assert job["status"] == "pending" and job["total"] == 5 and job["preset"] == "crm"
    assert svc.run_job("import-customers") == 1
    done = svc.client.get(f"/api/v1/customers/imports/{job['id']}", headers=rep.headers).json
    assert done["status"] == "completed"
    assert (done["processed"], done["imported"], done["duplicates"], done["failed"]) == (5, 2, 1, 2)
    assert done["errors"] == [
        {
            "line": 2,
            "field": "phone",
            "reason": "phone: is not a valid phone number; kept as given, unverified",
            "severity": "warning",
        },
        {
            "line": 3,
            "field": "name",
            "reason": "Missing data for required field.",
            "severity": "error",
        },
        {
            "line": 4,
            "field": "country",
            "reason": "must be an ISO 3166 alpha-2 code",
            "severity": "error",
        },
    ]
    customers = svc.client.get(
        "/api/v1/customers", query_string={"sort": "name"}, headers=rep.headers
    ).json["items"]
    assert [c["name"] for c in customers] == ["Analytical Engines", "Jacquard Looms"]
    engines = customers[0]
    assert engines["owner_id"] == str(rep.id) and engines["tags"] == ["vip", "key"]
    assert engines["latitude"] == 51.5
    with svc.db.session() as session:
        [contact] = session.scalars(select(Contact)).all()
        assert contact.name == "Ada" and contact.is_primary
    assert len(svc.events("customer.created")) == 2
    # Another user may not read the job.
    assert (
        svc.client.get(
            f"/api/v1/customers/imports/{job['id']}", headers=svc.user().headers
        ).status_code
        == 404
    )


def test_salesforce_export_into_the_pool_and_bad_files(svc):
    admin, rep = svc.user("admin"), svc.user()
    salesforce = (
        "Account Name,Industry,Billing City,Billing Country\nBabbage Ltd,Computing,London,GB\n"
    )
    job = upload(svc, admin, salesforce.encode(), in_pool="true").json
    assert job["preset"] == "salesforce"
    svc.run_job("import-customers")
    [customer] = svc.client.get(
        "/api/v1/customers", query_string={"in_pool": "true"}, headers=rep.headers
    ).json["items"]
    assert customer["name"] == "Babbage Ltd" and customer["owner_id"] is None
    custom = upload(
        svc,
        rep,
        b"Firm,Town\nLovelace plc,London\n",
        mapping=json.dumps({"Firm": "name", "Town": "city"}),
    )
    assert custom.status_code == 202 and custom.json["preset"] == "custom"
    for data, form, field in (
        (b"", {}, "file"),
        (b"colour,shape\nred,round\n", {}, "file"),
        (b"\xff\xfe\x00bad", {}, "file"),
        (b"name\nX\n", {"in_pool": "maybe"}, "in_pool"),
        (b"name\nX\n", {"pool_id": str(uuid.uuid4())}, "pool_id"),
        (b"name\nX\n", {"colour": "red"}, "colour"),
    ):
        refused = upload(svc, rep, data, **form)
        assert refused.status_code == 422, (data, form, refused.json)
        assert refused.json["errors"][0]["field"] == field
    with svc.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_the_ownership_limit_applies_to_imported_rows(svc):
    admin, rep = svc.user("admin"), svc.user()
    svc.client.put(
        "/api/v1/customers/ownership-limits",
        json={"user_id": str(rep.id), "max_owned": 1},
        headers=admin.headers,
    )
    job = upload(svc, rep, b"name\nOne\nTwo\n").json
    svc.run_job("import-customers")
    done = svc.client.get(f"/api/v1/customers/imports/{job['id']}", headers=rep.headers).json
    assert (done["imported"], done["failed"]) == (1, 1)
    assert done["errors"][0]["field"] == "owner" and "limit is 1" in done["errors"][0]["reason"]
