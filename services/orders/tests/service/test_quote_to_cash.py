"""Quote to cash through the orders API: catalog, quote, contract with approval, order,
plan, receipts, refunds, reminders, invoice."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from orders.models import Payment, Quote

TODAY = date.today()


def product(svc, admin, sku, price="1200.00", tax="13", name="企业版许可证"):
    r = svc.client.post(
        "/api/v1/products",
        json={"sku": sku, "name": name, "tax_rate": tax, "list_prices": {"CNY": price}},
        headers=admin.headers,
    )
    assert r.status_code == 201, r.json
    return r.json


def accepted_quote(svc, rep, admin, customer=None):
    p = product(svc, admin, f"SKU-{uuid.uuid4().hex[:6]}")
    body = {
        "customer_id": str(customer or uuid.uuid4()),
        "customer_name": "北京示例科技有限公司",
        "currency": "CNY",
        "valid_until": (TODAY + timedelta(days=30)).isoformat(),
        "document_discount": "5",
        "lines": [
            {"product_id": p["id"], "quantity": "3", "discount": "10"},
            {"name": "实施服务", "quantity": "1", "unit_price": "5000.00", "tax_rate": "6"},
        ],
    }
    q = svc.client.post("/api/v1/quotes", json=body, headers=rep.headers)
    assert q.status_code == 201, q.json
    assert (
        svc.client.post(f"/api/v1/quotes/{q.json['id']}/send", headers=rep.headers).status_code
        == 200
    )
    a = svc.client.post(f"/api/v1/quotes/{q.json['id']}/accept", headers=rep.headers)
    assert a.status_code == 200, a.json
    return a.json


CONTRACT_FLOW = {
    "steps": [
        {"name": "主管审批", "approvers": {"kind": "submitter_manager"}},
        {
            "name": "财务审批",
            "approvers": {"kind": "role", "role": "finance"},
            "condition": {"amount_over": "5000"},
        },
    ]
}


def test_quote_prices_totals_versions_and_accept_publishes(svc, people):
    rep, _m, _f, admin = people
    p = product(svc, admin, "LIC-1")
    svc.client.post(
        "/api/v1/price-lists",
        json={
            "name": "VIP",
            "currency": "CNY",
            "customer_tier": "vip",
            "items": [{"product_id": p["id"], "fixed_price": "1000.00"}],
        },
        headers=admin.headers,
    )
    base = {
        "customer_id": str(uuid.uuid4()),
        "currency": "CNY",
        "lines": [{"product_id": p["id"], "quantity": "2"}],
    }
    plain = svc.client.post("/api/v1/quotes", json=base, headers=rep.headers).json
    vip = svc.client.post(
        "/api/v1/quotes", json={**base, "customer_tier": "vip"}, headers=rep.headers
    ).json
    assert (
        plain["lines"][0]["unit_price"] == "1200.00" and vip["lines"][0]["unit_price"] == "1000.00"
    )
    assert (
        vip["subtotal"] == "2000.00" and vip["tax_amount"] == "260.00" and vip["total"] == "2260.00"
    )
    revised = svc.client.post(
        f"/api/v1/quotes/{vip['id']}/revisions",
        json={"document_discount": "10"},
        headers=rep.headers,
    ).json
    assert (
        revised["version"] == 2
        and revised["number"] == vip["number"]
        and revised["total"] == "2034.00"
    )
    old = svc.client.get(f"/api/v1/quotes/{vip['id']}", headers=rep.headers).json
    assert old["status"] == "superseded" and old["total"] == "2260.00"
    assert (
        svc.client.post(f"/api/v1/quotes/{vip['id']}/accept", headers=rep.headers).status_code
        == 409
    )
    svc.client.post(f"/api/v1/quotes/{revised['id']}/send", headers=rep.headers)
    svc.client.post(f"/api/v1/quotes/{revised['id']}/accept", headers=rep.headers)
    [event] = svc.events("quote.accepted")
    assert event["data"]["total"] == "2034.00" and event["data"]["version"] == 2
    assert event["data"]["lines"][0]["unit_price"] == "1000.00"
    pdf = svc.client.get(f"/api/v1/quotes/{revised['id']}.pdf", headers=rep.headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and b"STSong-Light" in pdf.data


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"product_id": "RETIRED", "quantity": "1"}, "lines.0.product_id"),
        ({"product_id": str(uuid.uuid4()), "quantity": "1"}, "lines.0.product_id"),
        ({"product_id": "OK", "quantity": "-1"}, "lines.0.quantity"),
        ({"product_id": "OK", "quantity": "1", "discount": "120"}, "lines.0.discount"),
        ({"name": "x", "quantity": "1", "unit_price": "1.001"}, "lines.0.unit_price"),
    ],
)
def test_bad_quote_lines_are_refused_and_nothing_is_written(svc, people, line, field):
    rep, _m, _f, admin = people
    ok = product(svc, admin, "OK-1")
    retired = product(svc, admin, "OLD-1")
    svc.client.patch(
        f"/api/v1/products/{retired['id']}", json={"status": "retired"}, headers=admin.headers
    )
    line = {
        **line,
        **(
            {
                "product_id": {"OK": ok["id"], "RETIRED": retired["id"]}.get(
                    line.get("product_id"), line.get("product_id")
                )
            }
            if "product_id" in line
            else {}
        ),
    }
    r = svc.client.post(
        "/api/v1/quotes",
        json={"customer_id": str(uuid.uuid4()), "currency": "CNY", "lines": [line]},
        headers=rep.headers,
    )
    assert r.status_code == 422, r.json
    assert field in {e["field"] for e in r.json["errors"]}
    with svc.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Quote)) == 0


def test_contract_from_quote_approved_by_manager_then_finance_becomes_an_order(svc, people):
    rep, manager, finance, admin = people
    assert (
        svc.client.put(
            "/api/v1/orders/approvals/flows/contract", json=CONTRACT_FLOW, headers=admin.headers
        ).status_code
        == 200
    )
    quote = accepted_quote(svc, rep, admin)
    c = svc.client.post(
        "/api/v1/contracts/from-quote",
        json={"quote_id": quote["id"], "end_on": (TODAY + timedelta(days=20)).isoformat()},
        headers=rep.headers,
    )
    assert c.status_code == 201, c.json
    contract = c.json
    assert contract["number"] == f"HT-{TODAY.year}-000001" and contract["total"] == quote["total"]
    assert contract["credit_risk"] == "low"
    sub = svc.client.post(f"/api/v1/contracts/{contract['id']}/submit", headers=rep.headers)
    assert sub.json["status"] == "pending_approval"
    edit = svc.client.patch(
        f"/api/v1/contracts/{contract['id']}", json={"terms": "x"}, headers=rep.headers
    )
    assert edit.status_code == 409
    [pending] = svc.client.get(
        "/api/v1/orders/approvals?mine=pending", headers=manager.headers
    ).json["items"]
    assert pending["document_id"] == contract["id"]
    wrong = svc.client.post(
        f"/api/v1/orders/approvals/{pending['id']}/approve", json={}, headers=finance.headers
    )
    assert wrong.status_code == 422
    svc.client.post(
        f"/api/v1/orders/approvals/{pending['id']}/approve", json={}, headers=manager.headers
    )
    assert (
        svc.client.post(
            f"/api/v1/contracts/{contract['id']}/activate", headers=rep.headers
        ).status_code
        == 409
    )
    svc.client.post(
        f"/api/v1/orders/approvals/{pending['id']}/approve",
        json={"comment": "ok"},
        headers=finance.headers,
    )
    approved = svc.client.get(f"/api/v1/contracts/{contract['id']}", headers=rep.headers).json
    assert approved["status"] == "approved"
    assert [e["data"]["number"] for e in svc.events("contract.approved")] == [contract["number"]]
    active = svc.client.post(f"/api/v1/contracts/{contract['id']}/activate", headers=rep.headers)
    assert active.json["status"] == "active"
    [order] = svc.client.get(
        "/api/v1/orders", query_string={"contract_id": contract["id"]}, headers=rep.headers
    ).json["items"]
    assert order["amount"] == contract["total"] and len(order["lines"]) == 2
    renewals = svc.client.get("/api/v1/contracts/renewals?days=30", headers=rep.headers).json[
        "items"
    ]
    assert [r["id"] for r in renewals] == [contract["id"]]
    renewal = svc.client.post(
        f"/api/v1/contracts/{contract['id']}/renewal", headers=rep.headers
    ).json
    assert renewal["renewed_from_id"] == contract["id"] and renewal["number"].endswith("000002")
    amendment = svc.client.post(
        f"/api/v1/contracts/{contract['id']}/amendments", headers=rep.headers
    ).json
    assert (
        amendment["number"] == contract["number"]
        and amendment["version"] == 2
        and amendment["status"] == "draft"
    )


def test_a_won_deal_becomes_a_draft_contract_once_a_contract_flow_exists(svc, people):
    rep, _m, _f, admin = people
    svc.client.put(
        "/api/v1/orders/approvals/flows/contract", json=CONTRACT_FLOW, headers=admin.headers
    )
    deal = {
        "opportunity_id": str(uuid.uuid4()),
        "customer_id": str(uuid.uuid4()),
        "name": "云服务",
        "amount": "3000.00",
        "currency": "CNY",
        "owner_id": str(rep.id),
        "team_id": str(rep.team_id),
        "won_at": "2026-11-20T10:00:00Z",
        "lines": [{"name": "云服务", "quantity": "2", "unit_price": "1500.00"}],
    }
    svc.deliver(svc.event("deal.won", deal))
    [draft] = svc.client.get(
        "/api/v1/contracts",
        query_string={"opportunity_id": deal["opportunity_id"]},
        headers=rep.headers,
    ).json["items"]
    assert draft["status"] == "draft" and draft["total"] == "3000.00" and len(draft["lines"]) == 1
    assert svc.events("order.created") == []


def test_contract_numbers_have_no_gaps_when_a_creation_fails(svc, people):
    rep, _m, _f, admin = people
    p = product(svc, admin, "N-1")
    body = {
        "customer_id": str(uuid.uuid4()),
        "currency": "CNY",
        "lines": [{"product_id": p["id"], "quantity": "1"}],
    }
    first = svc.client.post("/api/v1/contracts", json=body, headers=rep.headers).json
    bad = svc.client.post(
        "/api/v1/contracts",
        json={**body, "lines": [{"product_id": p["id"], "quantity": "0"}]},
        headers=rep.headers,
    )
    assert bad.status_code == 422
    second = svc.client.post("/api/v1/contracts", json=body, headers=rep.headers).json
    assert [first["number"][-6:], second["number"][-6:]] == ["000001", "000002"]


def active_order(svc, rep, admin, customer=None):
    quote = accepted_quote(svc, rep, admin, customer)
    contract = svc.client.post(
        "/api/v1/contracts/from-quote", json={"quote_id": quote["id"]}, headers=rep.headers
    ).json
    assert (
        svc.client.post(f"/api/v1/contracts/{contract['id']}/submit", headers=rep.headers).json[
            "status"
        ]
        == "approved"
    )
    svc.client.post(f"/api/v1/contracts/{contract['id']}/activate", headers=rep.headers)
    [order] = svc.client.get(
        "/api/v1/orders", query_string={"contract_id": contract["id"]}, headers=rep.headers
    ).json["items"]
    return order


def test_plan_receipts_split_refunds_and_derived_status(svc, people):
    rep, _m, _f, admin = people
    order = active_order(svc, rep, admin)  # no flow: approved at once
    total = order["amount"]
    url = f"/api/v1/orders/{order['id']}"
    bad = svc.client.put(
        f"{url}/plan",
        json={"installments": [{"amount": "1.00", "due_on": TODAY.isoformat()}]},
        headers=rep.headers,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "installments"
    plan = svc.client.put(
        f"{url}/plan",
        json={
            "template": "percentages",
            "percentages": ["30", "60", "10"],
            "due_days": [0, 40, 70],
            "start_on": (TODAY - timedelta(days=10)).isoformat(),
        },
        headers=rep.headers,
    )
    assert plan.status_code == 200, plan.json
    insts = plan.json["installments"]
    assert sum(float(i["amount"]) for i in insts) == pytest.approx(float(total))
    assert [i["status"] for i in insts] == ["overdue", "pending", "pending"]
    first, second = insts[0], insts[1]
    part = svc.client.post(
        f"{url}/payments",
        json={
            "amount": "100.00",
            "currency": "CNY",
            "method": "bank_transfer",
            "reference": "招行-001",
        },
        headers=rep.headers,
    )
    assert part.status_code == 201 and part.json["allocations"][0]["installment_id"] == first["id"]
    rest = f"{float(first['amount']) - 100:.2f}"
    split = svc.client.post(
        f"{url}/payments",
        json={
            "amount": rest,
            "currency": "CNY",
            "allocations": [{"installment_id": first["id"], "amount": rest}],
        },
        headers=rep.headers,
    )
    assert split.status_code == 201, split.json
    svc.client.post(
        f"{url}/payments", json={"amount": "50.00", "currency": "CNY"}, headers=rep.headers
    )
    now = svc.client.get(f"{url}/plan", headers=rep.headers).json["installments"]
    assert [i["status"] for i in now] == ["paid", "partial", "pending"]
    received = svc.events("payment.received")
    assert received[-1]["data"]["installment_ids"] == [second["id"]]
    over = svc.client.post(
        f"{url}/payments", json={"amount": total, "currency": "CNY"}, headers=rep.headers
    )
    assert over.status_code == 422 and over.json["errors"][0]["field"] == "amount"
    usd = svc.client.post(
        f"{url}/payments", json={"amount": "1.00", "currency": "USD"}, headers=rep.headers
    )
    assert usd.status_code == 422 and usd.json["errors"][0]["field"] == "currency"
    refund = svc.client.post(
        f"{url}/refunds",
        json={"amount": "30.00", "currency": "CNY", "reason": "多收退回"},
        headers=rep.headers,
    )
    assert refund.status_code == 201 and refund.json["amount"] == "-30.00"
    [refunded] = svc.events("payment.refunded")
    assert refunded["data"]["amount"] == "30.00" and refunded["data"]["installment_ids"] == [
        second["id"]
    ]
    assert (
        svc.client.get(f"{url}/plan", headers=rep.headers).json["installments"][1]["received"]
        == "20.00"
    )
    replan = svc.client.put(
        f"{url}/plan",
        json={
            "template": "monthly",
            "months": 2,
            "start_on": TODAY.isoformat(),
            "reason": "客户要求分期",
        },
        headers=rep.headers,
    )
    assert replan.status_code == 200, replan.json
    assert [h["template"] for h in replan.json["history"]] == ["percentages", "monthly"]


def test_same_idempotency_key_counts_a_receipt_once(svc, people):
    rep, _m, _f, admin = people
    order = active_order(svc, rep, admin)
    headers = {**rep.headers, "Idempotency-Key": "bank-ref-77"}
    for _ in range(2):
        assert (
            svc.client.post(
                f"/api/v1/orders/{order['id']}/payments",
                json={"amount": "10.00", "currency": "CNY"},
                headers=headers,
            ).status_code
            == 201
        )
    with svc.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1


def test_reminders_and_the_escalation_ladder_publish_each_step_once(svc, people):
    rep, manager, _finance, admin = people
    order = active_order(svc, rep, admin)
    url = f"/api/v1/orders/{order['id']}/plan"
    half = f"{float(order['amount']) / 2:.2f}"
    rest = f"{float(order['amount']) - float(half):.2f}"
    svc.client.put(
        url,
        json={
            "installments": [
                {"amount": half, "due_on": (TODAY - timedelta(days=8)).isoformat()},
                {
                    "amount": rest,
                    "due_on": (TODAY + timedelta(days=2)).isoformat(),
                    "remind_days": 3,
                },
            ]
        },
        headers=rep.headers,
    )
    svc.run_job("payment-reminders")
    svc.run_job("payment-reminders")
    overdue = svc.events("payment.overdue")
    assert [(e["data"]["step"], e["data"]["notify"]) for e in overdue] == [
        (1, "owner"),
        (7, "manager"),
    ]
    assert (
        overdue[1]["data"]["recipient_ids"] == [str(manager.id)]
        and overdue[1]["data"]["days_overdue"] == 8
    )
    [soon] = svc.events("payment.due_soon")
    assert soon["data"]["days_left"] == 2
    svc.run_job("credit-ratings")
    [rated] = svc.events("customer.credit_rated")
    assert rated["data"]["risk"] == "high"
    aging = svc.client.get(
        "/api/v1/orders/receivables/aging?currency=CNY", headers=admin.headers
    ).json
    assert aging["groups"][0]["0_30"] == half and aging["groups"][0]["current"] == rest
    forecast = svc.client.get(
        "/api/v1/orders/cash-forecast?currency=CNY&weeks=4", headers=admin.headers
    )
    assert forecast.status_code == 200, forecast.json
    assert sum(float(w["due"]) for w in forecast.json["weeks"]) == pytest.approx(
        float(order["amount"])
    )


def test_invoice_requested_by_rep_approved_by_finance_then_issued(svc, people):
    rep, _manager, finance, admin = people
    svc.client.put(
        "/api/v1/orders/approvals/flows/invoice",
        json={"steps": [{"name": "财务", "approvers": {"kind": "role", "role": "finance"}}]},
        headers=admin.headers,
    )
    order = active_order(svc, rep, admin)
    missing = svc.client.post(
        f"/api/v1/orders/{order['id']}/invoices", json={}, headers=rep.headers
    )
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "buyer_title"
    inv = svc.client.post(
        f"/api/v1/orders/{order['id']}/invoices",
        json={
            "amount": "100.00",
            "buyer_title": "北京示例科技有限公司",
            "tax_number": "91110000MA01",
        },
        headers=rep.headers,
    )
    assert inv.status_code == 201 and inv.json["status"] == "pending_approval"
    [task] = svc.client.get("/api/v1/orders/approvals?mine=pending", headers=finance.headers).json[
        "items"
    ]
    svc.client.post(
        f"/api/v1/orders/approvals/{task['id']}/approve", json={}, headers=finance.headers
    )
    issued = svc.client.post(
        f"/api/v1/invoices/{inv.json['id']}/issue",
        json={"number": "FP-0001"},
        headers=admin.headers,
    )
    assert issued.status_code == 200 and issued.json["status"] == "issued"
    again = svc.client.post(
        f"/api/v1/orders/{order['id']}/invoices", json={}, headers=rep.headers
    )  # buyer remembered
    assert again.status_code == 201 and again.json["buyer_title"] == "北京示例科技有限公司"
    shown = svc.client.get(f"/api/v1/orders/{order['id']}", headers=rep.headers).json
    assert shown["invoiced_amount"] == order["amount"]


def test_deliveries_partial_then_full(svc, people):
    rep, _m, _f, admin = people
    order = active_order(svc, rep, admin)
    line = order["lines"][0]
    url = f"/api/v1/orders/{order['id']}/deliveries"
    too_much = svc.client.post(
        url,
        json={
            "delivered_on": TODAY.isoformat(),
            "lines": [{"order_line_id": line["id"], "quantity": "4"}],
        },
        headers=rep.headers,
    )
    assert too_much.status_code == 422
    svc.client.post(
        url,
        json={
            "delivered_on": TODAY.isoformat(),
            "note": "第一批",
            "lines": [{"order_line_id": line["id"], "quantity": "2"}],
        },
        headers=rep.headers,
    )
    lines = [
        {
            "order_line_id": ln["id"],
            "quantity": str(float(ln["quantity"]) - (2 if ln["id"] == line["id"] else 0)),
        }
        for ln in order["lines"]
    ]
    done = svc.client.post(
        url, json={"delivered_on": TODAY.isoformat(), "lines": lines}, headers=rep.headers
    )
    assert done.status_code == 201, done.json
    assert (
        svc.client.get(f"/api/v1/orders/{order['id']}", headers=rep.headers).json["fulfilment"]
        == "delivered"
    )


def test_an_erased_customer_keeps_legal_records_but_loses_personal_data(svc, people):
    rep, _manager, _finance, admin = people
    customer = uuid.uuid4()
    quote = accepted_quote(svc, rep, admin, customer=customer)
    c = svc.client.post(
        "/api/v1/contracts/from-quote",
        json={"quote_id": quote["id"], "their_signatory": "张三", "our_signatory": "李四"},
        headers=rep.headers,
    )
    assert c.status_code == 201, c.json
    other = accepted_quote(svc, rep, admin)
    with svc.db.session() as session:
        from orders.models import BuyerProfile, CreditRating

        session.add(BuyerProfile(customer_id=customer, buyer_title="张三个体户", tax_number="91X"))
        session.add(CreditRating(customer_id=customer, currency="CNY", risk="low"))
        session.commit()
    event = svc.event(
        "customer.erased",
        {"customer_id": str(customer), "contact_ids": [], "erased_at": "2026-12-03T06:00:00Z"},
    )
    assert svc.deliver(event) and not svc.deliver(event)  # once, however often delivered
    seen = svc.client.get(f"/api/v1/quotes/{quote['id']}", headers=rep.headers).json
    assert seen["customer_name"] is None and seen["total"] == quote["total"]
    kept = svc.client.get(f"/api/v1/contracts/{c.json['id']}", headers=rep.headers).json
    assert kept["their_signatory"] is None and kept["our_signatory"] == "李四"
    assert kept["number"] == c.json["number"] and kept["total"] == c.json["total"]
    untouched = svc.client.get(f"/api/v1/quotes/{other['id']}", headers=rep.headers).json
    assert untouched["customer_name"] == "北京示例科技有限公司"
    with svc.db.session() as session:
        from orders.models import BuyerProfile, CreditRating

        assert session.get(BuyerProfile, customer) is None
        assert session.get(CreditRating, (customer, "CNY")) is None
