"""Data scope on every endpoint: another rep asking for a rep's records gets 404.

The table below names every route of the service. Record routes answer 404
to a rep outside the record's scope (another team, not a collaborator, not a
member of the customer's pool); list routes leave the record out; routes
that are not about one record are guarded by role (403) or serve only the
caller's own data. A test fails when a route is added without a row here.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from customers.service import SERVICE

from ..conftest import create, introduce

PNG = (  # a real 1x1 PNG: uploads are typed by decoding them
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00"
    b"\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)
SOON = (datetime.now(UTC) + timedelta(days=2)).isoformat()

# (method, route as Flask names it, body, expected status for the outsider)
RECORD_ROUTES = [
    ("GET", "/api/v1/customers/<uuid:customer_id>", None, 404),
    ("PATCH", "/api/v1/customers/<uuid:customer_id>", {"region": "X"}, 404),
    ("GET", "/api/v1/customers/<uuid:customer_id>/360", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/assign", {"owner_id": "{outsider}"}, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/claim", None, 404),
    ("PUT", "/api/v1/customers/<uuid:customer_id>/collaborators/<uuid:user_id>", None, 404),
    ("DELETE", "/api/v1/customers/<uuid:customer_id>/collaborators/<uuid:user_id>", None, 404),
    ("GET", "/api/v1/customers/<uuid:customer_id>/contacts", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/contacts", {"name": "Eve"}, 404),
    (
        "POST",
        "/api/v1/customers/<uuid:customer_id>/followups",
        {"kind": "call", "content": "x"},
        404,
    ),
    ("GET", "/api/v1/customers/<uuid:customer_id>/followups", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/lock", None, 404),
    ("DELETE", "/api/v1/customers/<uuid:customer_id>/lock", None, 404),
    ("GET", "/api/v1/customers/<uuid:customer_id>/ownership", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/release", {"reason": "mine now"}, 404),
    ("GET", "/api/v1/customers/<uuid:customer_id>/tier", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/archive", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/restore", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/erase", None, 404),
    ("POST", "/api/v1/customers/<uuid:customer_id>/visits", {"latitude": 1, "longitude": 1}, 404),
    ("GET", "/api/v1/customers/<uuid:customer_id>/visits", None, 404),
    ("GET", "/api/v1/contacts/<uuid:contact_id>", None, 404),
    ("PATCH", "/api/v1/contacts/<uuid:contact_id>", {"title": "CEO"}, 404),
    ("DELETE", "/api/v1/contacts/<uuid:contact_id>", None, 404),
    ("GET", "/api/v1/followups/<uuid:followup_id>", None, 404),
    ("GET", "/api/v1/visits/<uuid:visit_id>", None, 404),
    ("POST", "/api/v1/visits/<uuid:visit_id>/check-out", {"latitude": 1, "longitude": 1}, 404),
    ("PUT", "/api/v1/visits/<uuid:visit_id>/photo", "photo", 404),
    ("GET", "/api/v1/visits/<uuid:visit_id>/photo", None, 404),
    ("GET", "/api/v1/tasks/<uuid:task_id>", None, 404),
    ("PATCH", "/api/v1/tasks/<uuid:task_id>", {"title": "mine"}, 404),
    ("DELETE", "/api/v1/tasks/<uuid:task_id>", None, 404),
    ("POST", "/api/v1/tasks/<uuid:task_id>/complete", None, 404),
    ("POST", "/api/v1/tasks/<uuid:task_id>/reopen", None, 404),
    ("GET", "/api/v1/pools/<uuid:pool_id>", None, 404),
    ("PATCH", "/api/v1/pools/<uuid:pool_id>", {"description": "x"}, 404),
    ("GET", "/api/v1/pools/<uuid:pool_id>/audit", None, 404),
    ("GET", "/api/v1/pools/<uuid:pool_id>/customers", None, 404),
    ("GET", "/api/v1/calendar?view=month&user_id={owner}", None, 404),
    ("GET", "/api/v1/customers/imports/<uuid:import_id>", None, 404),
]

# Lists: the outsider gets 200 without the owner's records.
LIST_ROUTES = [
    ("GET", "/api/v1/customers", "customer_id"),
    ("GET", "/api/v1/customers/near?latitude=51.5&longitude=-0.12&radius_km=50", "customer_id"),
    ("GET", "/api/v1/followups", "followup_id"),
    ("GET", "/api/v1/visits", "visit_id"),
    ("GET", "/api/v1/tasks?status=all", "task_id"),
    ("GET", "/api/v1/pools", "pool_id"),
    ("GET", "/api/v1/calendar?view=month", "task_id"),
]

# Not about one record: guarded by role, or the caller's own data only.
OTHER_ROUTES = [
    ("POST", "/api/v1/customers", {"name": "Own"}, 201),
    ("POST", "/api/v1/customers/imports", "csv", 202),  # the caller's own import
    ("GET", "/api/v1/customers/ownership-limits", None, 403),
    ("PUT", "/api/v1/customers/ownership-limits", {"max_owned": 1}, 403),
    ("DELETE", "/api/v1/customers/ownership-limits/<uuid:limit_id>", None, 403),
    ("POST", "/api/v1/customers/pool/recycle", None, 403),
    ("GET", "/api/v1/customers/pool/analytics", None, 403),  # managers and admins
    ("GET", "/api/v1/customers/pool/my-limit", None, 200),  # the caller's own limit only
    ("POST", "/api/v1/pools", {"name": "Mine"}, 403),
    ("POST", "/api/v1/tasks", {"title": "Own", "due_at": SOON}, 201),
    ("PUT", "/api/v1/tiers/config", {"window_days": 10}, 403),
    ("POST", "/api/v1/tiers/recompute", None, 403),
    ("GET", "/api/v1/tiers", None, 200),  # counts over the caller's own scope
    ("GET", "/api/v1/tiers/config", None, 200),  # thresholds, no customer data
    # The caller's own feed only: the outsider has none, whatever the owner has.
    ("GET", "/api/v1/calendar/feed", None, 404),
    ("DELETE", "/api/v1/calendar/feed", None, 404),
    ("POST", "/api/v1/calendar/feed", None, 201),
    ("GET", "/api/v1/calendar/feeds/<string:token>.ics", None, 404),  # a token, not a user
]


@pytest.fixture
def world(svc):
    """A rep's customer (in a pool only they belong to) with one of everything."""
    admin, team = svc.user("admin"), uuid.uuid4()
    owner = svc.user(team_id=team)
    outsider = svc.user(team_id=uuid.uuid4())
    introduce(svc, owner, outsider)
    pool = svc.client.post(
        "/api/v1/pools",
        json={"name": "Private", "members": [{"kind": "user", "id": str(owner.id)}]},
        headers=admin.headers,
    ).json
    customer = create(svc, owner, pool_id=pool["id"], latitude=51.5, longitude=-0.12)
    base = f"/api/v1/customers/{customer['id']}"
    contact = svc.client.post(base + "/contacts", json={"name": "Ada"}, headers=owner.headers).json
    followup = svc.client.post(
        base + "/followups", json={"kind": "call", "content": "x"}, headers=owner.headers
    ).json
    visit = svc.client.post(
        base + "/visits", json={"latitude": 51.5, "longitude": -0.12}, headers=owner.headers
    ).json
    svc.client.put(
        f"/api/v1/visits/{visit['id']}/photo",
        data=PNG,
        content_type="image/png",
        headers=owner.headers,
    )
    task = svc.client.post(
        "/api/v1/tasks",
        json={"title": "Call", "due_at": SOON, "customer_id": customer["id"]},
        headers=owner.headers,
    ).json
    feed = svc.client.post("/api/v1/calendar/feed", headers=owner.headers).json
    job = svc.client.post(
        "/api/v1/customers/imports",
        data={"file": (io.BytesIO(b"name\nMine\n"), "mine.csv")},
        content_type="multipart/form-data",
        headers=owner.headers,
    ).json
    limit = svc.client.put(
        "/api/v1/customers/ownership-limits", json={"max_owned": 100}, headers=admin.headers
    ).json
    ids = {
        "customer_id": customer["id"],
        "contact_id": contact["id"],
        "followup_id": followup["id"],
        "visit_id": visit["id"],
        "task_id": task["id"],
        "pool_id": pool["id"],
        "user_id": str(outsider.id),
        "limit_id": limit["id"],
        "import_id": job["id"],
        "token": "not-a-feed-token",
        "owner": str(owner.id),
        "outsider": str(outsider.id),
    }
    return {"owner": owner, "outsider": outsider, "ids": ids, "team": team, "feed": feed["path"]}


def fill(route: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        route = route.replace(f"<uuid:{name}>", value).replace(f"<string:{name}>", value)
        route = route.replace("{" + name + "}", value)
    return route


def call(svc, method: str, path: str, body, headers):
    if body == "photo":
        return svc.client.open(
            path, method=method, data=PNG, content_type="image/png", headers=headers
        )
    if body == "csv":
        return svc.client.open(
            path,
            method=method,
            data={"file": (io.BytesIO(b"name\nOwn\n"), "c.csv")},
            content_type="multipart/form-data",
            headers=headers,
        )
    if body == "photo-form":
        return svc.client.open(
            path,
            method=method,
            data={"photo": (io.BytesIO(PNG), "p.png")},
            content_type="multipart/form-data",
            headers=headers,
        )
    return svc.client.open(path, method=method, json=body, headers=headers)


def _fill_body(body, ids):
    if isinstance(body, dict):
        return {k: fill(v, ids) if isinstance(v, str) else v for k, v in body.items()}
    return body


@pytest.mark.parametrize(("method", "route", "body", "expected"), RECORD_ROUTES)
def test_another_rep_gets_404_on_every_record_route(svc, world, method, route, body, expected):
    ids = world["ids"]
    response = call(svc, method, fill(route, ids), _fill_body(body, ids), world["outsider"].headers)
    assert response.status_code == expected, (route, response.json)
    # And the owner still sees the customer untouched.
    shown = svc.client.get(
        f"/api/v1/customers/{ids['customer_id']}", headers=world["owner"].headers
    )
    assert shown.status_code == 200 and shown.json["owner_id"] == ids["owner"]
    assert shown.json["region"] is None


@pytest.mark.parametrize(("method", "route", "key"), LIST_ROUTES)
def test_lists_leave_out_other_reps_records(svc, world, method, route, key):
    ids = world["ids"]
    for who, present in ((world["outsider"], False), (world["owner"], True)):
        response = svc.client.open(fill(route, ids), method=method, headers=who.headers)
        assert response.status_code == 200, response.json
        found = {str(item["id"]) for item in response.json["items"]}
        assert (ids[key] in found) is present, (route, who)


@pytest.mark.parametrize(("method", "route", "body", "expected"), OTHER_ROUTES)
def test_routes_without_a_record_are_guarded_by_role_or_own_data(
    svc, world, method, route, body, expected
):
    ids = world["ids"]
    response = call(svc, method, fill(route, ids), body, world["outsider"].headers)
    assert response.status_code == expected, (route, response.json)
    assert svc.client.get(world["feed"]).status_code == 200  # the owner's feed still works


def test_the_tables_cover_every_route(svc):
    covered = {(m, r.split("?")[0]) for m, r, *_ in RECORD_ROUTES + OTHER_ROUTES}
    covered |= {(m, r.split("?")[0]) for m, r, _ in LIST_ROUTES}
    routes = set()
    for rule in svc.app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((method, rule.rule))
    assert routes - covered == set(), "add the new routes to the scope tables"


def test_managers_see_their_teams_customers_only_and_admins_all(svc, world):
    ids = world["ids"]
    path = f"/api/v1/customers/{ids['customer_id']}"
    same = svc.user("manager", team_id=world["team"])
    other = svc.user("manager", team_id=uuid.uuid4())
    assert svc.client.get(path + "/360", headers=same.headers).status_code == 200
    assert svc.client.get(path + "/360", headers=other.headers).status_code == 404
    assert svc.client.get(path + "/360", headers=svc.user("admin").headers).status_code == 200
    listed = svc.client.get("/api/v1/customers", headers=same.headers).json["items"]
    assert ids["customer_id"] in {c["id"] for c in listed}
    visits = svc.client.get("/api/v1/visits", headers=same.headers).json["items"]
    assert ids["visit_id"] in {v["id"] for v in visits}


def test_service_agents_read_customers_but_change_nothing(svc, world):
    ids = world["ids"]
    agent = svc.user("service_agent")
    path = f"/api/v1/customers/{ids['customer_id']}"
    assert svc.client.get(path, headers=agent.headers).status_code == 200
    assert svc.client.get(path + "/360", headers=agent.headers).status_code == 200
    assert svc.client.patch(path, json={"region": "X"}, headers=agent.headers).status_code == 403
    assert svc.client.post(path + "/release", headers=agent.headers).status_code == 403
    assert (
        svc.client.post(
            path + "/followups", json={"kind": "call", "content": "x"}, headers=agent.headers
        ).status_code
        == 403
    )


def test_spec_is_the_service(svc):
    assert svc.spec is SERVICE
