"""Service tests of contacts, follow-ups and field visits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ..conftest import create, pooled, url


def _image(kind: str) -> bytes:
    # A real image: uploads are typed by decoding them, not by their first bytes.
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, kind)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")


def iso(when: datetime) -> str:
    return when.isoformat()


def test_contacts_have_exactly_one_primary(svc):
    rep = svc.user()
    customer = create(svc, rep)
    first = svc.client.post(url(customer, "/contacts"), json={"name": "Ada"}, headers=rep.headers)
    assert first.status_code == 201 and first.json["is_primary"]
    second = svc.client.post(
        url(customer, "/contacts"),
        json={"name": "Charles", "email": "cb@example.com", "is_primary": True},
        headers=rep.headers,
    ).json
    listed = svc.client.get(url(customer, "/contacts"), headers=rep.headers).json["items"]
    assert [(c["name"], c["is_primary"]) for c in listed] == [("Charles", True), ("Ada", False)]
    swapped = svc.client.patch(
        f"/api/v1/contacts/{first.json['id']}", json={"is_primary": True}, headers=rep.headers
    )
    assert swapped.status_code == 200 and swapped.json["is_primary"]
    assert (
        svc.client.delete(f"/api/v1/contacts/{first.json['id']}", headers=rep.headers).status_code
        == 204
    )
    survivor = svc.client.get(f"/api/v1/contacts/{second['id']}", headers=rep.headers).json
    assert survivor["is_primary"]
    bad = svc.client.post(
        url(customer, "/contacts"), json={"name": "", "email": "nope"}, headers=rep.headers
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json["errors"]} == {"name", "email"}
    unset = svc.client.patch(
        f"/api/v1/contacts/{second['id']}", json={"is_primary": False}, headers=rep.headers
    )
    assert unset.status_code == 422 and unset.json["errors"][0]["field"] == "is_primary"


def test_profile_fields_tags_custom_fields_and_bad_input(svc):
    rep = svc.user()
    customer = create(
        svc,
        rep,
        name="Engines Ltd",
        industry="Manufacturing",
        region="EMEA",
        size="medium",
        address_line="1 Babbage Way",
        city="London",
        country="GB",
        latitude=51.5,
        longitude=-0.12,
        tags=["vip", "vip", " key ", "客户"],
        custom_fields={"vat": "GB123", "employees": 120, "listed": False},
    )
    assert customer["tags"] == ["vip", "key", "客户"]
    by_tag = svc.client.get("/api/v1/customers", query_string={"tag": "客户"}, headers=rep.headers)
    assert [c["id"] for c in by_tag.json["items"]] == [customer["id"]]
    assert customer["custom_fields"] == {"vat": "GB123", "employees": 120, "listed": False}
    patched = svc.client.patch(
        url(customer), json={"region": "UK", "tags": ["gold"]}, headers=rep.headers
    )
    assert patched.status_code == 200
    assert patched.json["region"] == "UK" and patched.json["industry"] == "Manufacturing"
    bad = svc.client.patch(
        url(customer),
        json={"country": "Britain", "latitude": 95, "size": "huge", "custom_fields": {"x": [1]}},
        headers=rep.headers,
    )
    assert bad.status_code == 422
    assert {"country", "latitude", "size", "custom_fields"} <= {
        e["field"] for e in bad.json["errors"]
    }
    half = svc.client.patch(url(customer), json={"latitude": 1.0}, headers=rep.headers)
    assert half.status_code == 422 and half.json["errors"][0]["field"] == "latitude"
    assert svc.client.get(url(customer), headers=rep.headers).json["region"] == "UK"
    found = svc.client.get(
        "/api/v1/customers", query_string={"tag": "gold", "q": "engines"}, headers=rep.headers
    ).json["items"]
    assert [c["id"] for c in found] == [customer["id"]]


def test_logging_a_followup_resets_the_clock_plans_the_next_and_publishes(svc):
    rep = svc.user()
    customer = create(svc, rep)
    contact = svc.client.post(
        url(customer, "/contacts"), json={"name": "Ada"}, headers=rep.headers
    ).json
    next_at = datetime.now(UTC) + timedelta(days=3)
    logged = svc.client.post(
        url(customer, "/followups"),
        json={
            "kind": "meeting",
            "content": "Demo of the engine",
            "outcome": "wants a quote",
            "next_followup_at": iso(next_at),
            "contact_id": contact["id"],
        },
        headers=rep.headers,
    )
    assert logged.status_code == 201, logged.json
    shown = svc.client.get(url(customer), headers=rep.headers).json
    assert shown["last_followup_at"] == logged.json["occurred_at"]
    assert shown["next_followup_at"] is not None
    [event] = svc.events("followup.logged")
    assert event["data"]["kind"] == "meeting" and event["data"]["customer_id"] == customer["id"]
    assert event["data"]["owner_id"] == str(rep.id)
    [task] = svc.client.get("/api/v1/tasks", headers=rep.headers).json["items"]
    assert task["kind"] == "followup" and task["customer_id"] == customer["id"]
    # The next follow-up, when logged, completes the planned one.
    svc.client.post(
        url(customer, "/followups"),
        json={"kind": "call", "content": "Quote sent"},
        headers=rep.headers,
    )
    assert svc.client.get("/api/v1/tasks", headers=rep.headers).json["items"] == []
    listed = svc.client.get(url(customer, "/followups"), headers=rep.headers).json["items"]
    assert [f["kind"] for f in listed] == ["call", "meeting"]
    one = svc.client.get(f"/api/v1/followups/{listed[1]['id']}", headers=rep.headers)
    assert one.status_code == 200 and one.json["outcome"] == "wants a quote"


def test_followup_bad_input_names_the_field_and_logs_nothing(svc):
    rep = svc.user()
    customer = create(svc, rep)
    cases = [
        ({"kind": "fax", "content": "x"}, "kind"),
        ({"kind": "call", "content": ""}, "content"),
        ({"kind": "call", "content": "x", "occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        (
            {
                "kind": "call",
                "content": "x",
                "occurred_at": iso(datetime.now(UTC) + timedelta(days=1)),
            },
            "occurred_at",
        ),
        (
            {
                "kind": "call",
                "content": "x",
                "occurred_at": iso(datetime.now(UTC) - timedelta(days=1)),
                "next_followup_at": iso(datetime.now(UTC) - timedelta(days=2)),
            },
            "next_followup_at",
        ),
        ({"kind": "call", "content": "x", "contact_id": str(uuid.uuid4())}, "contact_id"),
    ]
    for body, field in cases:
        response = svc.client.post(url(customer, "/followups"), json=body, headers=rep.headers)
        assert response.status_code == 422, body
        assert response.json["errors"][0]["field"] == field
    assert svc.events("followup.logged") == []


def test_pool_customers_must_be_claimed_before_working_them(svc):
    admin, rep = svc.user("admin"), svc.user()
    customer = pooled(svc, admin)
    refused = svc.client.post(
        url(customer, "/followups"), json={"kind": "call", "content": "hi"}, headers=rep.headers
    )
    assert refused.status_code == 409


def test_collaborators_see_and_work_but_do_not_manage(svc):
    from ..conftest import introduce

    owner, helper = svc.user(), svc.user()
    introduce(svc, helper)
    customer = create(svc, owner)
    assert svc.client.get(url(customer), headers=helper.headers).status_code == 404
    added = svc.client.put(url(customer, f"/collaborators/{helper.id}"), headers=owner.headers)
    assert added.status_code == 200 and added.json["collaborator_ids"] == [str(helper.id)]
    assert svc.client.get(url(customer), headers=helper.headers).status_code == 200
    assert (
        svc.client.post(
            url(customer, "/followups"),
            json={"kind": "note", "content": "met"},
            headers=helper.headers,
        ).status_code
        == 201
    )
    assert svc.client.post(url(customer, "/release"), headers=helper.headers).status_code == 403
    unknown = svc.client.put(url(customer, f"/collaborators/{uuid.uuid4()}"), headers=owner.headers)
    assert unknown.status_code == 422
    svc.client.delete(url(customer, f"/collaborators/{helper.id}"), headers=owner.headers)
    assert svc.client.get(url(customer), headers=helper.headers).status_code == 404


def test_visits_check_in_far_flag_photo_and_check_out(svc):
    rep = svc.user()
    customer = create(svc, rep, latitude=51.5007, longitude=-0.1246)
    near = svc.client.post(
        url(customer, "/visits"),
        json={"latitude": 51.5010, "longitude": -0.1250, "purpose": "demo"},
        headers=rep.headers,
    )
    assert near.status_code == 201, near.json
    assert near.json["far_from_address"] is False and near.json["distance_m"] < 100
    busy = svc.client.post(
        url(customer, "/visits"), json={"latitude": 51.5, "longitude": -0.12}, headers=rep.headers
    )
    assert busy.status_code == 409
    visit = near.json["id"]
    wrong = svc.client.put(
        f"/api/v1/visits/{visit}/photo",
        data=b"GIF89a....",
        content_type="image/gif",
        headers=rep.headers,
    )
    assert wrong.status_code == 422 and wrong.json["errors"][0]["field"] == "photo"
    large = svc.client.put(
        f"/api/v1/visits/{visit}/photo",
        data=PNG + b"\x00" * (6 * 1024 * 1024),
        content_type="image/png",
        headers=rep.headers,
    )
    assert large.status_code == 413
    saved = svc.client.put(
        f"/api/v1/visits/{visit}/photo", data=PNG, content_type="image/png", headers=rep.headers
    )
    assert saved.status_code == 200 and saved.json["has_photo"]
    photo = svc.client.get(f"/api/v1/visits/{visit}/photo", headers=rep.headers)
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    import io

    replaced = svc.client.put(
        f"/api/v1/visits/{visit}/photo",
        data={"photo": (io.BytesIO(JPEG), "door.jpg")},
        content_type="multipart/form-data",
        headers=rep.headers,
    )
    assert replaced.status_code == 200 and replaced.json["photo_content_type"] == "image/jpeg"
    out = svc.client.post(
        f"/api/v1/visits/{visit}/check-out",
        json={"latitude": 51.5011, "longitude": -0.1251, "summary": "signed the NDA"},
        headers=rep.headers,
    )
    assert out.status_code == 200 and out.json["status"] == "checked_out"
    assert out.json["followup_id"]
    [event] = svc.events("followup.logged")
    assert event["data"]["kind"] == "visit"
    again = svc.client.post(
        f"/api/v1/visits/{visit}/check-out",
        json={"latitude": 0, "longitude": 0},
        headers=rep.headers,
    )
    assert again.status_code == 409
    far = svc.client.post(
        url(customer, "/visits"),
        json={"latitude": 48.8566, "longitude": 2.3522},
        headers=rep.headers,
    )
    assert far.json["far_from_address"] is True and far.json["distance_m"] > 300_000
    flagged = svc.client.get(
        "/api/v1/visits", query_string={"far_from_address": "true"}, headers=rep.headers
    ).json["items"]
    assert [v["id"] for v in flagged] == [far.json["id"]]
    per_customer = svc.client.get(url(customer, "/visits"), headers=rep.headers).json["items"]
    assert len(per_customer) == 2
    per_rep = svc.client.get(
        "/api/v1/visits", query_string={"rep_id": str(rep.id)}, headers=rep.headers
    ).json["items"]
    assert len(per_rep) == 2


def test_a_visit_to_a_customer_without_coordinates_is_not_flagged(svc):
    rep = svc.user()
    customer = create(svc, rep)
    visit = svc.client.post(
        url(customer, "/visits"), json={"latitude": 1, "longitude": 1}, headers=rep.headers
    ).json
    assert visit["distance_m"] is None and visit["far_from_address"] is False


def test_customers_near_a_point_nearest_first(svc):
    rep, other = svc.user(), svc.user()
    westminster = create(svc, rep, name="Westminster", latitude=51.4995, longitude=-0.1248)
    create(svc, rep, name="Paris", latitude=48.8566, longitude=2.3522)
    city = create(svc, rep, name="City", latitude=51.5155, longitude=-0.0922)
    create(svc, other, name="Theirs", latitude=51.50, longitude=-0.12)
    found = svc.client.get(
        "/api/v1/customers/near",
        query_string={"latitude": 51.5007, "longitude": -0.1246, "radius_km": 10},
        headers=rep.headers,
    )
    assert found.status_code == 200
    assert [c["id"] for c in found.json["items"]] == [westminster["id"], city["id"]]
    assert found.json["items"][0]["distance_m"] < found.json["items"][1]["distance_m"]
    bad = svc.client.get(
        "/api/v1/customers/near", query_string={"latitude": 91, "longitude": 0}, headers=rep.headers
    )
    assert bad.status_code == 422


def test_a_reps_own_list_sorts_by_last_activity_most_recent_first_across_pages(svc):
    rep, other = svc.user(), svc.user()
    first, second, _third = (create(svc, rep, name=n) for n in ("First", "Second", "Third"))
    create(svc, other, name="Someone else's")
    # Worked: the first customer long ago, the second today; the third never (its creation).
    for customer, days_ago in ((first, 400), (second, 0)):
        logged = svc.client.post(
            url(customer, "/followups"),
            json={
                "kind": "call",
                "content": "Checked in",
                "occurred_at": iso(datetime.now(UTC) - timedelta(days=days_ago)),
            },
            headers=rep.headers,
        )
        assert logged.status_code == 201, logged.json
    query = {"owner_id": str(rep.id), "sort": "last_activity", "limit": 2}
    page = svc.client.get("/api/v1/customers", query_string=query, headers=rep.headers)
    assert page.status_code == 200, page.json
    rest = svc.client.get(
        "/api/v1/customers",
        query_string={**query, "cursor": page.json["next_cursor"]},
        headers=rep.headers,
    )
    names = [c["name"] for c in page.json["items"] + rest.json["items"]]
    assert names == ["Second", "Third", "First"]
    assert rest.json["next_cursor"] is None
