"""The queries that differ by dialect, on PostgreSQL: tags, sorting by value, search,
nearby customers, the 360° view and imports."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import update

from customers.models import Customer
from customers.service import SERVICE

pytestmark = pytest.mark.integration


@pytest.fixture
def pg(harness_factory, pg_database):
    return harness_factory(SERVICE, database_url=pg_database("customers"))


def test_filters_sorting_and_nearby_on_postgresql(pg):
    rep = pg.user()
    made = {}
    for name, tags, value, lat in (
        ("Alpha 100%", ["vip", "客户"], "9.5", 51.50),
        ("Beta_b", ["key"], "1000", 51.51),
        ("Gamma", [], "20", 48.85),
    ):
        response = pg.client.post(
            "/api/v1/customers",
            json={"name": name, "tags": tags, "latitude": lat, "longitude": -0.12},
            headers=rep.headers,
        )
        assert response.status_code == 201
        made[name] = response.json["id"]
        with pg.db.transaction() as session:
            session.execute(
                update(Customer).where(Customer.id == uuid.UUID(made[name])).values(value=value)
            )

    def names(**query):
        response = pg.client.get("/api/v1/customers", query_string=query, headers=rep.headers)
        assert response.status_code == 200, response.json
        return [c["name"] for c in response.json["items"]]

    assert names(tag="客户") == ["Alpha 100%"]
    assert names(tag="vip") == ["Alpha 100%"]
    assert names(tag="vi") == []
    assert names(sort="value") == ["Beta_b", "Gamma", "Alpha 100%"]
    assert names(q="100%") == ["Alpha 100%"]
    assert names(q="a_b") == ["Beta_b"]
    near = pg.client.get(
        "/api/v1/customers/near",
        query_string={"latitude": 51.5, "longitude": -0.12, "radius_km": 5},
        headers=rep.headers,
    ).json["items"]
    assert [c["name"] for c in near] == ["Alpha 100%", "Beta_b"]
    view = pg.client.get(f"/api/v1/customers/{made['Beta_b']}/360", headers=rep.headers)
    assert view.status_code == 200 and view.json["profile"]["value"] == "1000.00"


def test_an_import_on_postgresql(pg):
    rep = pg.user()
    job = pg.client.post(
        "/api/v1/customers/imports",
        data={"file": (io.BytesIO(b"name,tags\nDelta,a;b\nDelta,\n"), "c.csv")},
        content_type="multipart/form-data",
        headers=rep.headers,
    ).json
    pg.run_job("import-customers")
    done = pg.client.get(f"/api/v1/customers/imports/{job['id']}", headers=rep.headers).json
    assert (done["imported"], done["duplicates"]) == (1, 1)
