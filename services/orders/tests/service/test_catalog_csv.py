"""Products imported from CSV through the shared import jobs, and exported."""

import csv
import io


def test_product_csv_import_reports_each_row_and_exports(svc):
    admin = svc.user("admin")
    body = (
        "产品编码,产品名称,单位,税率,币种,标准价\n"
        "A-1,企业版,套,13,CNY,1200.00\n"
        "A-2,专业版,套,13,CNY,800.5\n"
        "A-1,重复,套,13,CNY,1.00\n"
        ",无编码,套,13,CNY,1.00\n"
        "A-3,坏价格,套,13,CNY,1.001\n"
    ).encode()
    created = svc.client.post(
        "/api/v1/products/imports",
        data={"file": (io.BytesIO(body), "products.csv")},
        headers=admin.headers,
        content_type="multipart/form-data",
    )
    assert created.status_code == 202, created.json
    assert svc.run_job("import-products") == 1
    job = svc.client.get(
        f"/api/v1/products/imports/{created.json['id']}", headers=admin.headers
    ).json
    assert (job["status"], job["imported"], job["duplicates"], job["failed"]) == (
        "completed",
        2,
        1,
        2,
    )
    assert {e["field"] for e in job["errors"]} == {"sku", "list_price"}
    rep = svc.user()
    refused = svc.client.post(
        "/api/v1/products/imports",
        data={"file": (io.BytesIO(body), "p.csv")},
        headers=rep.headers,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403
    export = svc.client.get("/api/v1/products/export.csv", headers=rep.headers)
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert [(r["sku"], r["name"], r["list_price"]) for r in rows] == [
        ("A-1", "企业版", "1200.00"),
        ("A-2", "专业版", "800.5"),
    ]
