"""Quote to cash through the gateway.

quote → accepted → contract → approved (through the cross-service inbox) → order →
plan → partial receipts → overdue escalation → invoice approved and issued →
customers' 360° view shows the cash.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta

import pytest

from .conftest import ADMIN_PASSWORD, System, eventually

pytestmark = pytest.mark.e2e

# The reminder job runs every few seconds here instead of hourly.
os.environ.setdefault("CRM_ORDERS_JOB_SECONDS", "2")


@pytest.fixture(scope="module")
def people(system: System) -> dict[str, str]:
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"华东 {suffix}"})
    assert team.status_code == 201, team.text
    tokens = {"admin": admin}
    for name, roles in (
        ("rep", ["rep"]),
        ("manager", ["manager"]),
        ("boss", ["admin"]),
        ("finance", ["finance"]),
    ):
        username = f"{name}-{suffix}"
        created = system.call(
            "POST",
            "/api/v1/users",
            admin,
            json={
                "username": username,
                "password": "a-long-password",
                "roles": roles,
                "team_id": team.json()["id"],
            },
        )
        assert created.status_code == 201, created.text
        tokens[name] = system.token(username, "a-long-password")
        tokens[f"{name}_id"] = created.json()["id"]
    managed = system.call(
        "PATCH",
        f"/api/v1/teams/{team.json()['id']}",
        admin,
        json={"manager_id": tokens["manager_id"]},
    )
    assert managed.status_code == 200, managed.text
    return tokens


def test_quote_to_cash(system: System, people: dict[str, str]) -> None:
    admin, rep, manager = people["admin"], people["rep"], people["manager"]
    today = date.today()
    customer = system.call(
        "POST", "/api/v1/customers", rep, json={"name": f"上海示例 {uuid.uuid4().hex[:4]}"}
    )
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]
    flow = {"steps": [{"name": "主管审批", "approvers": {"kind": "submitter_manager"}}]}
    assert (
        system.call("PUT", "/api/v1/orders/approvals/flows/contract", admin, json=flow).status_code
        == 200
    )
    invoice_flow = {
        "steps": [{"name": "财务审批", "approvers": {"kind": "role", "role": "finance"}}]
    }
    assert (
        system.call(
            "PUT", "/api/v1/orders/approvals/flows/invoice", admin, json=invoice_flow
        ).status_code
        == 200
    )
    product = system.call(
        "POST",
        "/api/v1/products",
        admin,
        json={
            "sku": f"E2E-{uuid.uuid4().hex[:6]}",
            "name": "企业版",
            "tax_rate": "13",
            "list_prices": {"CNY": "1000.00"},
        },
    )
    assert product.status_code == 201, product.text

    quote = system.call(
        "POST",
        "/api/v1/quotes",
        rep,
        json={
            "customer_id": customer_id,
            "currency": "CNY",
            "customer_name": "上海示例",
            "lines": [{"product_id": product.json()["id"], "quantity": "10", "discount": "10"}],
        },
    )
    assert quote.status_code == 201, quote.text
    assert quote.json()["total"] == "10170.00"  # 9000 + 13% tax
    quote_id = quote.json()["id"]
    pdf = system.call("GET", f"/api/v1/quotes/{quote_id}.pdf", rep)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert system.call("POST", f"/api/v1/quotes/{quote_id}/send", rep).status_code == 200
    assert (
        system.call("POST", f"/api/v1/quotes/{quote_id}/accept", rep).json()["status"] == "accepted"
    )

    contract = system.call("POST", "/api/v1/contracts/from-quote", rep, json={"quote_id": quote_id})
    assert contract.status_code == 201, contract.text
    contract_id = contract.json()["id"]
    assert contract.json()["number"].startswith(f"HT-{today.year}-")

    # orders learns the team's manager from the gateway's user and team events;
    # until its copy of the org tree has them, a submission goes to the admins.
    # Withdraw and submit again until it waits for the manager.
    def submitted():
        r = system.call("POST", f"/api/v1/contracts/{contract_id}/submit", rep)
        if r.status_code == 422:
            return None  # nobody known to approve yet
        assert r.status_code == 200, r.text
        history = system.call(
            "GET", f"/api/v1/orders/approvals/documents/contract/{contract_id}", rep
        ).json()["items"][-1]
        if people["manager_id"] in history["may_act"]:
            return r.json()
        system.call("POST", f"/api/v1/orders/approvals/{history['id']}/withdraw", rep, json={})
        return None

    assert eventually(submitted)["status"] == "pending_approval"
    inbox = eventually(
        lambda: (
            system.call("GET", "/api/v1/approvals?mine=pending", manager).json()["items"] or None
        )
    )
    [item] = [i for i in inbox if i["document_id"] == contract_id]
    assert item["service"] == "orders"
    decided = system.call(
        "POST", item["decide_url"] + "/approve", manager, json={"comment": "同意"}
    )
    assert decided.status_code == 200, decided.text
    assert (
        system.call("GET", f"/api/v1/contracts/{contract_id}", rep).json()["status"] == "approved"
    )
    assert (
        system.call("POST", f"/api/v1/contracts/{contract_id}/activate", rep).json()["status"]
        == "active"
    )

    [order] = system.call("GET", "/api/v1/orders", rep, params={"contract_id": contract_id}).json()[
        "items"
    ]
    url = f"/api/v1/orders/{order['id']}"
    plan = system.call(
        "PUT",
        f"{url}/plan",
        rep,
        json={
            "installments": [
                {"amount": "5000.00", "due_on": (today - timedelta(days=8)).isoformat()},
                {"amount": "5170.00", "due_on": (today + timedelta(days=30)).isoformat()},
            ]
        },
    )
    assert plan.status_code == 200, plan.text
    key = {"Idempotency-Key": f"receipt-{uuid.uuid4().hex}"}
    for _ in range(2):  # the same receipt twice: counted once
        paid = system.call(
            "POST",
            f"{url}/payments",
            rep,
            json={"amount": "2000.00", "currency": "CNY"},
            headers=key,
        )
        assert paid.status_code == 201, paid.text
    installments = system.call("GET", f"{url}/plan", rep).json()["installments"]
    assert [i["status"] for i in installments] == ["overdue", "pending"]
    assert installments[0]["received"] == "2000.00"

    steps = eventually(
        lambda: (
            [r["step"] for r in system.call("GET", f"{url}/reminders", rep).json()["items"]] or None
        )
    )
    assert "overdue:1" in steps
    eventually(
        lambda: (
            "overdue:7"
            in [r["step"] for r in system.call("GET", f"{url}/reminders", rep).json()["items"]]
            or None
        )
    )

    invoice = system.call(
        "POST",
        f"{url}/invoices",
        rep,
        json={"amount": "2000.00", "buyer_title": "上海示例有限公司", "tax_number": "91310000X"},
    )
    assert invoice.status_code == 201, invoice.text
    # The finance step goes to whoever holds the finance role (any one of them approves).
    admin = people["boss"]
    finance = people["finance"]
    admin_inbox = eventually(
        lambda: (
            [
                i
                for i in system.call("GET", "/api/v1/approvals?mine=pending", finance).json()[
                    "items"
                ]
                if i["document_id"] == invoice.json()["id"]
            ]
            or None
        )
    )
    assert (
        system.call("POST", admin_inbox[0]["decide_url"] + "/approve", finance, json={}).status_code
        == 200
    )
    issued = system.call(
        "POST",
        f"/api/v1/invoices/{invoice.json()['id']}/issue",
        admin,
        json={"number": f"FP-{uuid.uuid4().hex[:8]}"},
    )
    assert issued.status_code == 200 and issued.json()["status"] == "issued", issued.text
    shown = system.call("GET", url, rep).json()
    assert (shown["invoiced_amount"], shown["paid_amount"], shown["outstanding_amount"]) == (
        "2000.00",
        "2000.00",
        "8170.00",
    )

    def cash_seen():
        view = system.call("GET", f"/api/v1/customers/{customer_id}/360", rep).json()
        return [p for p in view["payments"]["recent"] if p["amount"] == "2000.00"] or None

    assert eventually(cash_seen)
    aging = system.call(
        "GET", "/api/v1/orders/receivables/aging", admin, params={"currency": "CNY"}
    ).json()
    assert any(g["key"] == customer_id and g["0_30"] == "3000.00" for g in aging["groups"])
