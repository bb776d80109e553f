"""The shared approvals API, mounted on a service: flows, inbox, decisions, history."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal

import pytest

from crm_shared.approvals.api import approvals_blueprint
from crm_shared.approvals.engine import Approvals, DocumentKind
from crm_shared.approvals.rules import Facts
from crm_shared.approvals.tables import approval_requests
from crm_shared.directory import DirectoryTeam, DirectoryUser, MemoryDirectory
from crm_shared.testing import User
from orders.service import SERVICE


@pytest.fixture
def world(harness_factory, tokens):
    team, parent = uuid.uuid4(), uuid.uuid4()
    rep = User(tokens, ("rep",), team)
    manager = User(tokens, ("manager",), team)
    boss = User(tokens, ("manager",), parent)
    finance = [User(tokens, ("rep",)), User(tokens, ("rep",))]
    admin = User(tokens, ("admin",))
    people = [
        DirectoryUser(rep.id, "rep", ("rep",), team, True),
        DirectoryUser(manager.id, "m", ("manager",), team, True),
        DirectoryUser(boss.id, "b", ("manager",), parent, True),
        *(DirectoryUser(f.id, "f", ("finance",), None, True) for f in finance),
        DirectoryUser(admin.id, "a", ("admin",), None, True),
    ]
    directory = MemoryDirectory(
        people,
        [DirectoryTeam(team, "team", manager.id, parent), DirectoryTeam(parent, "team", boss.id)],
    )
    outcomes = []
    approvals = Approvals("orders", lambda _session: directory)
    approvals.register(
        DocumentKind(
            "memo",
            "Memo",
            on_approved=lambda s, o: outcomes.append(o),
            on_rejected=lambda s, o: outcomes.append(o),
            document_path=lambda i: f"/api/v1/orders/memos/{i}",
        )
    )
    spec = dataclasses.replace(SERVICE, blueprints=lambda: [approvals_blueprint(approvals)])
    svc = harness_factory(spec)
    return dataclasses.make_dataclass(
        "World", ["svc", "approvals", "rep", "manager", "boss", "finance", "admin", "outcomes"]
    )(svc, approvals, rep, manager, boss, finance, admin, outcomes)


FLOW = {
    "steps": [
        {"name": "主管审批", "approvers": {"kind": "submitter_manager"}, "mode": "any"},
        {
            "name": "财务会签",
            "approvers": {"kind": "role", "role": "finance"},
            "mode": "all",
            "condition": {"amount_over": "10000"},
        },
    ],
    "resubmit_from": "rejected_step",
}
BASE = "/api/v1/orders/approvals"


def submit(w, amount="50000.00"):
    with w.svc.db.session() as session:
        view = w.approvals.submit(
            session,
            "memo",
            uuid.uuid4(),
            Facts(amount=Decimal(amount), currency="CNY"),
            w.rep.id,
            "合同 HT-2026-000001",
        )
        session.commit()
    return view


def pending(w, user):
    response = w.svc.client.get(BASE, query_string={"mine": "pending"}, headers=user.headers)
    assert response.status_code == 200
    return response.json["items"]


def test_only_admins_define_flows_and_bad_flows_are_refused(world):
    w = world
    assert (
        w.svc.client.put(f"{BASE}/flows/memo", json=FLOW, headers=w.rep.headers).status_code == 403
    )
    bad = {"steps": [{"name": "x", "approvers": {"kind": "users", "users": []}}]}
    response = w.svc.client.put(f"{BASE}/flows/memo", json=bad, headers=w.admin.headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "steps.0.approvers.users"
    put = w.svc.client.put(f"{BASE}/flows/memo", json=FLOW, headers=w.admin.headers)
    assert put.status_code == 200 and put.json["version"] == 1
    listed = w.svc.client.get(f"{BASE}/flows", headers=w.rep.headers).json["items"]
    assert listed[0]["steps"][1]["condition"] == {"amount_over": "10000"}
    assert (
        w.svc.client.put(f"{BASE}/flows/nothing", json=FLOW, headers=w.admin.headers).status_code
        == 404
    )


def test_manager_then_finance_cosign_through_the_api(world):
    w = world
    w.svc.client.put(f"{BASE}/flows/memo", json=FLOW, headers=w.admin.headers)
    request = submit(w)
    assert [i["id"] for i in pending(w, w.manager)] == [str(request["id"])]
    assert pending(w, w.finance[0]) == []
    requested = w.svc.events("approval.requested")
    assert [e["data"]["approver_id"] for e in requested] == [str(w.manager.id)]
    url = f"{BASE}/{request['id']}"
    wrong = w.svc.client.post(f"{url}/approve", json={}, headers=w.finance[0].headers)
    assert wrong.status_code in (404, 422)
    ok = w.svc.client.post(f"{url}/approve", json={"comment": "同意"}, headers=w.manager.headers)
    assert ok.status_code == 200 and ok.json["steps"][1]["status"] == "current"
    assert pending(w, w.manager) == []
    assert len(pending(w, w.finance[0])) == 1 and len(pending(w, w.finance[1])) == 1
    w.svc.client.post(f"{url}/approve", json={}, headers=w.finance[0].headers)
    assert pending(w, w.finance[0]) == [] and len(pending(w, w.finance[1])) == 1
    assert w.outcomes == []
    done = w.svc.client.post(f"{url}/approve", json={}, headers=w.finance[1].headers)
    assert done.json["status"] == "approved"
    assert [o.status for o in w.outcomes] == ["approved"]
    decided = w.svc.events("approval.decided")
    assert [e["data"]["status"] for e in decided] == ["approved"]
    again = w.svc.client.post(f"{url}/approve", json={}, headers=w.finance[1].headers)
    assert again.status_code == 409
    history = w.svc.client.get(url, headers=w.rep.headers).json["decisions"]
    assert [(d["action"], d["actor_id"]) for d in history] == [
        ("submitted", str(w.rep.id)),
        ("approved", str(w.manager.id)),
        ("approved", str(w.finance[0].id)),
        ("approved", str(w.finance[1].id)),
    ]


def test_reject_needs_a_comment_and_changes_nothing_without_one(world):
    w = world
    w.svc.client.put(f"{BASE}/flows/memo", json=FLOW, headers=w.admin.headers)
    request = submit(w)
    url = f"{BASE}/{request['id']}"
    bare = w.svc.client.post(f"{url}/reject", json={}, headers=w.manager.headers)
    assert bare.status_code == 422 and bare.json["errors"][0]["field"] == "comment"
    assert len(pending(w, w.manager)) == 1
    no = w.svc.client.post(f"{url}/reject", json={"comment": "折扣太大"}, headers=w.manager.headers)
    assert no.json["status"] == "rejected" and pending(w, w.manager) == []
    assert [o.status for o in w.outcomes] == ["rejected"]
    history = w.svc.client.get(
        f"{BASE}/documents/memo/{request['document_id']}", headers=w.rep.headers
    ).json["items"]
    assert [h["status"] for h in history] == ["rejected"]
    assert history[0]["decisions"][-1]["comment"] == "折扣太大"


def test_small_documents_skip_steps_and_strangers_see_nothing(world):
    w = world
    w.svc.client.put(f"{BASE}/flows/memo", json=FLOW, headers=w.admin.headers)
    request = submit(w, amount="500.00")
    assert [s["name"] for s in request["steps"]] == ["主管审批"]
    stranger = w.svc.user()
    assert w.svc.client.get(f"{BASE}/{request['id']}", headers=stranger.headers).status_code == 404
    withdraw = w.svc.client.post(f"{BASE}/{request['id']}/withdraw", json={}, headers=w.rep.headers)
    assert withdraw.json["status"] == "withdrawn" and pending(w, w.manager) == []


def test_an_admin_removes_a_flow_and_a_pending_request_finishes_on_its_plan(world):
    w = world
    w.svc.client.put(f"{BASE}/flows/memo", json=FLOW, headers=w.admin.headers)
    waiting = submit(w)
    assert waiting["status"] == "pending"
    assert w.svc.client.delete(f"{BASE}/flows/memo", headers=w.rep.headers).status_code == 403
    assert w.svc.client.delete(f"{BASE}/flows/memo", headers=w.admin.headers).status_code == 204
    assert w.svc.client.get(f"{BASE}/flows/memo", headers=w.admin.headers).status_code == 404
    gone = w.svc.client.delete(f"{BASE}/flows/memo", headers=w.admin.headers)
    assert gone.status_code == 404 and "memo" in gone.json["detail"]
    # The pending request still waits for its manager; a new document is approved at once.
    assert [i["id"] for i in pending(w, w.manager)] == [str(waiting["id"])]
    assert submit(w)["status"] == "approved"


def test_without_a_flow_a_document_is_approved_at_once(world):
    w = world
    request = submit(w)
    assert request["status"] == "approved"
    assert [o.status for o in w.outcomes] == ["approved"]
    with w.svc.db.session() as session:
        assert session.query(approval_requests).count() == 1
