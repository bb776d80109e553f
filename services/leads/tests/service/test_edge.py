"""The leads API at the edge: exports a spreadsheet cannot execute, NUL bytes as
422, and a forged X-Forwarded-For that buys no fresh form allowance."""

import csv
import io


def test_export_neutralises_every_formula_cell(svc):
    rep = svc.user()
    payloads = ["=1+2", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\t=x", "\r=x", "+1+1"]
    created = svc.client.post(
        "/api/v1/leads/batch",
        json={
            "leads": [
                {"name": p, "email": f"p{i}@example.com", "company": p}
                for i, p in enumerate(payloads)
            ]
        },
        headers=rep.headers,
    )
    assert created.status_code < 300, created.json
    exported = svc.client.get("/api/v1/leads/export", headers=rep.headers)
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"), newline="")))
    assert rows
    for row in rows:
        for column, value in row.items():
            assert (
                value[:1] not in ("=", "+", "-", "@", "\t", "\r")
                or value.lstrip("+-").replace(".", "").isdigit()
            ), (column, value)
    companies = sorted(r["company"] for r in rows)
    assert all(c.startswith("'") for c in companies)


def test_nul_bytes_are_422_not_500(svc):
    rep = svc.user()
    for path in ("/api/v1/leads?status=new%00", "/api/v1/forms/lf_x%00y"):
        response = svc.client.get(path, headers=rep.headers)
        assert response.status_code == 422, (path, response.status_code)
    response = svc.client.post(
        "/api/v1/leads", json={"name": "A\u0000", "email": "a@example.com"}, headers=rep.headers
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "name"


def test_a_made_up_forwarded_for_buys_no_fresh_form_allowance(svc):
    admin = svc.user("admin")
    source = svc.client.post(
        "/api/v1/lead-sources",
        json={"name": "Page", "allowed_origins": [], "per_client_per_minute": 2},
        headers=admin.headers,
    )
    assert source.status_code == 201, source.json
    url = f"/api/v1/forms/{source.json['form_key']}"
    answers = [
        svc.client.post(
            url,
            json={"name": f"V{i}", "email": f"v{i}@example.com"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(4)
    ]
    assert answers[:2] == [202, 202]
    assert 429 in answers[2:]
