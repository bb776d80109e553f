"""Compensation through the gateway, every service a real process.

A rep declares a target, their manager approves it; a won deal becomes an
order, receipts and a refund arrive from orders over the bus; finance
closes the month; the statement shows the accruals and the clawback; the
payout passes the manager, then finance.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from .conftest import ADMIN_PASSWORD, System, eventually

pytestmark = pytest.mark.e2e
C = "/api/v1/compensation"


@pytest.fixture(scope="module")
def org(fresh_system: System) -> dict[str, dict[str, str]]:
    system = fresh_system
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"华南 {suffix}"})
    assert team.status_code == 201, team.text
    people: dict[str, dict[str, str]] = {"admin": {"token": admin}}
    for name, roles, in_team in (
        ("manager", ["manager"], True),
        ("rep", ["rep"], True),
        ("finance", ["finance"], False),
    ):
        username = f"{name}-{suffix}"
        created = system.call(
            "POST",
            "/api/v1/users",
            admin,
            json={
                "username": username,
                "password": "Correct-Horse-Battery-9",
                "roles": roles,
                "team_id": team.json()["id"] if in_team else None,
            },
        )
        assert created.status_code == 201, created.text
        people[name] = {
            "id": created.json()["id"],
            "token": system.token(username, "Correct-Horse-Battery-9"),
        }
    managed = system.call(
        "PATCH",
        f"/api/v1/teams/{team.json()['id']}",
        admin,
        json={"manager_id": people["manager"]["id"]},
    )
    assert managed.status_code == 200, managed.text
    people["team"] = {"id": team.json()["id"]}
    return people


def decide(system: System, who: str, token: str, kind: str, document_id: str) -> None:
    def pending():
        listed = system.call("GET", f"{C}/approvals", token, params={"mine": "pending"}).json()
        return next((i for i in listed["items"] if i["document_id"] == document_id), None)

    request = eventually(pending)
    assert request["kind"] == kind
    done = system.call(
        "POST", f"{C}/approvals/{request['id']}/approve", token, json={"comment": who}
    )
    assert done.status_code == 200, done.text


def test_declare_to_payout(fresh_system: System, org: dict[str, dict[str, str]]) -> None:
    # A system of its own: closing the month here would move every other test's
    # figures for this month into the next one.
    system = fresh_system
    admin, rep = org["admin"]["token"], org["rep"]["token"]
    manager, finance = org["manager"]["token"], org["finance"]["token"]
    month = datetime.now(UTC).strftime("%Y-%m")
    plan = system.call(
        "POST",
        f"{C}/plans",
        admin,
        json={
            "name": f"提成 {month}",
            "currency": "CNY",
            "base": "collected",
            "tiers": [
                {"from": "0", "to": "100", "rate": "3"},
                {"from": "100", "to": None, "rate": "6"},
            ],
        },
    )
    assert plan.status_code == 201, plan.text

    # Approvers are resolved from the service's copy of the org tree, fed by the
    # gateway's user and team events; until the copy knows the new manager, a
    # declaration goes to the admins (or, knowing nobody, is refused). Withdraw
    # and declare again until it waits for the manager.
    def declared_to_manager():
        made = system.call(
            "POST",
            f"{C}/targets/declarations",
            rep,
            json={
                "period": month,
                "metric": "collected_amount",
                "currency": "CNY",
                "target": "10000.00",
            },
        )
        if made.status_code == 422:
            return None
        assert made.status_code == 201, made.text
        request = system.call(
            "GET", f"{C}/approvals/documents/target/{made.json()['id']}", rep
        ).json()["items"][-1]
        if org["manager"]["id"] in request["may_act"]:
            return made
        system.call("POST", f"{C}/approvals/{request['id']}/withdraw", rep, json={})
        return None

    declared = eventually(declared_to_manager)
    decide(system, "manager", manager, "target", declared.json()["id"])
    target = system.call("GET", f"{C}/targets/{declared.json()['id']}", rep).json()
    assert target["status"] == "approved"

    customer = system.call(
        "POST", "/api/v1/customers", rep, json={"name": f"深圳客户 {uuid.uuid4().hex[:6]}"}
    )
    assert customer.status_code == 201, customer.text
    deal = system.call(
        "POST",
        "/api/v1/opportunities",
        rep,
        json={
            "customer_id": customer.json()["id"],
            "name": "年度服务",
            "amount": "15000.00",
            "currency": "CNY",
        },
    )
    assert deal.status_code == 201, deal.text
    assert (
        system.call("POST", f"/api/v1/opportunities/{deal.json()['id']}/win", rep).status_code
        == 200
    )
    order = eventually(
        lambda: system.call(
            "GET", "/api/v1/orders", rep, params={"opportunity_id": deal.json()["id"]}
        ).json()["items"][0]
    )
    for amount in ("8000.00", "4000.00"):
        paid = system.call(
            "POST",
            f"/api/v1/orders/{order['id']}/payments",
            rep,
            json={"amount": amount, "currency": "CNY"},
        )
        assert paid.status_code == 201, paid.text
    refunded = system.call(
        "POST",
        f"/api/v1/orders/{order['id']}/refunds",
        admin,
        json={"amount": "1000.00", "currency": "CNY", "reason": "部分退款"},
    )
    assert refunded.status_code == 201, refunded.text

    def statement():
        body = system.call(
            "GET", f"{C}/statements", rep, params={"owner_id": org["rep"]["id"], "period": month}
        ).json()
        kinds = sorted(line["kind"] for line in body["lines"])
        assert kinds == ["accrual", "accrual", "clawback"], body
        return body

    body = eventually(statement)
    # 10,000 at 3% and 2,000 at 6% = 420; the 1,000 refund comes off the top slice: -60.
    assert Decimal(body["totals"][0]["net"]) == Decimal("360.00"), body

    closed = system.call("POST", f"{C}/periods/{month}/close", finance)
    assert closed.status_code == 200, closed.text
    payout = system.call(
        "POST",
        f"{C}/payouts",
        manager,
        json={"owner_id": org["rep"]["id"], "period": month, "currency": "CNY"},
    )
    assert payout.status_code == 201, payout.text
    assert payout.json()["amount"] == "360.00"
    decide(system, "manager", manager, "payout", payout.json()["id"])
    decide(system, "finance", finance, "payout", payout.json()["id"])
    assert (
        system.call("GET", f"{C}/payouts/{payout.json()['id']}", rep).json()["status"] == "approved"
    )
    final = system.call(
        "GET", f"{C}/statements", rep, params={"owner_id": org["rep"]["id"], "period": month}
    ).json()
    assert final["totals"][0]["paid"] == "360.00" and final["totals"][0]["pending"] == "0.00"
    # The performance page shows the achievement against the approved target.
    figures = system.call("GET", f"{C}/performance", rep, params={"period": month}).json()
    collected = next(m for m in figures["metrics"] if m["metric"] == "collected_amount")
    assert Decimal(collected["achievement"]) == Decimal("1.1")
