"""Teams and the org tree: manager, parent team, no cycles, team.* events."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def admin(gw, bearer):
    return bearer(gw)


def _team(gw, admin, name, **fields):
    response = gw.client.post("/api/v1/teams", json={"name": name, **fields}, headers=admin)
    assert response.status_code == 201, response.json
    return response.json


def _user(gw, admin, username, roles=("manager",), team_id=None):
    response = gw.client.post(
        "/api/v1/users",
        json={
            "username": username,
            "password": f"{username}-long-secret-9",
            "roles": list(roles),
            "team_id": team_id,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_team_gets_a_manager_and_a_parent_and_announces_it(gw, admin):
    boss = _user(gw, admin, "boss")
    root = _team(gw, admin, "销售部", manager_id=boss["id"])
    east = _team(gw, admin, "华东")
    assert root["manager_id"] == boss["id"] and root["parent_id"] is None
    changed = gw.client.patch(
        f"/api/v1/teams/{east['id']}", json={"parent_id": root["id"]}, headers=admin
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["parent_id"] == root["id"]
    created = [e["data"] for e in gw.events("team.created")]
    assert {
        "team_id": root["id"],
        "name": "销售部",
        "manager_id": boss["id"],
        "parent_id": None,
    } in created
    updated = gw.events("team.updated")[-1]["data"]
    assert updated == {
        "team_id": east["id"],
        "name": "华东",
        "manager_id": None,
        "parent_id": root["id"],
    }
    listed = gw.client.get("/api/v1/teams", headers=admin).json["items"]
    assert {t["id"]: t["parent_id"] for t in listed}[east["id"]] == root["id"]


def test_a_cycle_in_the_tree_is_refused_and_nothing_changes(gw, admin):
    a = _team(gw, admin, "A")
    b = _team(gw, admin, "B", parent_id=a["id"])
    c = _team(gw, admin, "C", parent_id=b["id"])
    before = len(gw.events("team.updated"))
    for team, parent in ((a, c), (a, a)):
        refused = gw.client.patch(
            f"/api/v1/teams/{team['id']}", json={"parent_id": parent["id"]}, headers=admin
        )
        assert refused.status_code == 422, refused.json
        assert refused.json["errors"][0]["field"] == "parent_id"
    assert len(gw.events("team.updated")) == before
    listed = gw.client.get("/api/v1/teams", headers=admin).json["items"]
    assert {t["id"]: t["parent_id"] for t in listed}[a["id"]] is None


def test_unknown_manager_or_parent_is_422(gw, admin):
    for field in ("manager_id", "parent_id"):
        response = gw.client.post(
            "/api/v1/teams", json={"name": f"X-{field}", field: str(uuid.uuid4())}, headers=admin
        )
        assert response.status_code == 422
        assert response.json["errors"][0]["field"] == field
    assert gw.events("team.created") == []


def test_only_admins_shape_the_tree(gw, admin, bearer):
    team = _team(gw, admin, "East")
    _user(gw, admin, "mona", team_id=team["id"])
    mona = bearer(gw, "mona", "mona-long-secret-9")
    response = gw.client.patch(
        f"/api/v1/teams/{team['id']}", json={"manager_id": None}, headers=mona
    )
    assert response.status_code == 403


def test_patching_a_missing_team_is_404(gw, admin):
    response = gw.client.patch(f"/api/v1/teams/{uuid.uuid4()}", json={"name": "Z"}, headers=admin)
    assert response.status_code == 404
