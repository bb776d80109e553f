"""Service tests: commission on receipts (marginal tiers), clawback, close, statement, payout."""

import uuid
from decimal import Decimal

from .flow import PLAN, approve_all, deal_won, org, payment, refund

C = "/api/v1/compensation"


def adopt(svc, admin, plan=PLAN):
    response = svc.client.post(f"{C}/plans", json=plan, headers=admin.headers)
    assert response.status_code == 201, response.json
    return response.json


def approved_target(svc, o, amount="100000.00", period="2026-03"):
    made = svc.client.post(
        f"{C}/targets/declarations",
        json={"period": period, "metric": "collected_amount", "currency": "CNY", "target": amount},
        headers=o["rep"].headers,
    ).json
    approve_all(svc, o["manager"], "target", made["id"])


def statement(svc, user, owner, period="2026-03"):
    response = svc.client.get(
        f"{C}/statements",
        query_string={"owner_id": str(owner.id), "period": period},
        headers=user.headers,
    )
    assert response.status_code == 200, response.json
    return response.json


def test_declare_approve_receipts_refund_statement_payout(svc):
    o = org(svc)
    adopt(svc, o["admin"])
    approved_target(svc, o)
    rep, team = o["rep"], o["team"]
    won = deal_won(svc, rep, team)
    svc.deliver(won)
    first = payment(svc, rep, team, "70000.00", "2026-03-05T08:00:00Z", won.data["opportunity_id"])
    second = payment(svc, rep, team, "50000.00", "2026-03-20T08:00:00Z", won.data["opportunity_id"])
    for event in (first, second, first):  # a duplicate changes nothing
        svc.deliver(event)
    lines = statement(svc, rep, rep)["lines"]
    # 70,000 at 3%; then 10,000 at 3%, 20,000 at 5%, 20,000 at 8%.
    assert [line["amount"] for line in lines] == ["2100.00", "2900.00"]
    assert all(
        line["ref_id"] in {first.data["payment_id"], second.data["payment_id"]} for line in lines
    )

    # A refund in April claws back at the margin of April's base.
    back = refund(svc, rep, team, second, "20000.00", "2026-04-02T08:00:00Z")
    svc.deliver(back)
    april = statement(svc, rep, rep, "2026-04")
    assert [(ln["kind"], ln["amount"]) for ln in april["lines"]] == [("clawback", "-600.00")]

    # Close March: the rep's month pays exactly 5,000; nothing to true up.
    assert svc.client.post(f"{C}/periods/2026-03/close", headers=rep.headers).status_code == 403
    closed = svc.client.post(f"{C}/periods/2026-03/close", headers=o["finance"].headers)
    assert closed.status_code == 200, closed.json
    march = statement(svc, o["manager"], rep)
    assert march["period_status"] == "closed"
    assert march["totals"][0]["net"] == "5000.00" and march["totals"][0]["pending"] == "5000.00"
    calculated = svc.events("performance.calculated")
    assert [e["data"]["commission"] for e in calculated] == ["5000.00"]
    assert calculated[0]["data"]["collected_amount"] == "120000.00"

    # Payout: the manager, then finance.
    made = svc.client.post(
        f"{C}/payouts",
        json={"owner_id": str(rep.id), "period": "2026-03", "currency": "CNY"},
        headers=o["manager"].headers,
    )
    assert made.status_code == 201, made.json
    assert made.json["amount"] == "5000.00" and made.json["status"] == "pending_approval"
    again = svc.client.post(
        f"{C}/payouts",
        json={"owner_id": str(rep.id), "period": "2026-03", "currency": "CNY"},
        headers=o["manager"].headers,
    )
    assert again.status_code == 409
    step = approve_all(svc, o["manager"], "payout", made.json["id"])
    assert step["status"] == "pending"
    assert not svc.events("payout.approved")
    approve_all(svc, o["finance"], "payout", made.json["id"])
    paid = svc.client.get(f"{C}/payouts/{made.json['id']}", headers=rep.headers).json
    assert paid["status"] == "approved"
    assert [e["data"]["amount"] for e in svc.events("payout.approved")] == ["5000.00"]
    assert statement(svc, rep, rep)["totals"][0]["paid"] == "5000.00"

    # A payment for March arriving after the close lands in the current month as an adjustment.
    late = payment(svc, rep, team, "1000.00", "2026-03-30T08:00:00Z")
    svc.deliver(late)
    assert all(ln["ref_id"] != late.data["payment_id"] for ln in statement(svc, rep, rep)["lines"])
    figures = svc.client.get(
        f"{C}/performance", query_string={"period": "2026-03"}, headers=rep.headers
    ).json
    assert figures["collected_amount"] == "120000.00"


def test_a_refund_after_the_window_claws_nothing_back(svc):
    o = org(svc)
    adopt(svc, o["admin"])
    rep, team = o["rep"], o["team"]
    paid = payment(svc, rep, team, "10000.00", "2026-01-05T08:00:00Z")
    svc.deliver(paid)
    svc.deliver(refund(svc, rep, team, paid, "10000.00", "2026-06-05T08:00:00Z"))
    june = statement(svc, rep, rep, "2026-06")["lines"]
    assert [(ln["kind"], ln["amount"]) for ln in june] == [("waived", "0.00")]


def test_splits_share_the_credit(svc):
    o = org(svc)
    adopt(svc, o["admin"])
    rep, rep2, team = o["rep"], o["rep2"], o["team"]
    won = deal_won(svc, rep, team)
    svc.deliver(won)
    url = f"{C}/deals/{won.data['opportunity_id']}/splits"
    bad = svc.client.put(
        url,
        json={
            "splits": [
                {"owner_id": str(rep.id), "percent": "60"},
                {"owner_id": str(rep2.id), "percent": "30"},
            ]
        },
        headers=o["manager"].headers,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "splits"
    assert (
        svc.client.put(
            url, json={"splits": [{"owner_id": str(rep.id), "percent": "60"}]}, headers=rep.headers
        ).status_code
        == 403
    )
    ok = svc.client.put(
        url,
        json={
            "splits": [
                {"owner_id": str(rep.id), "percent": "60"},
                {"owner_id": str(rep2.id), "percent": "40"},
            ]
        },
        headers=o["manager"].headers,
    )
    assert ok.status_code == 200, ok.json
    svc.deliver(
        payment(svc, rep, team, "10000.00", "2026-03-05T08:00:00Z", won.data["opportunity_id"])
    )
    assert [ln["base_amount"] for ln in statement(svc, rep, rep)["lines"]] == ["6000.00"]
    assert [ln["amount"] for ln in statement(svc, rep2, rep2)["lines"]] == ["120.00"]


def test_bad_plans_are_refused(svc):
    o = org(svc)
    gapped = {
        **PLAN,
        "tiers": [{"from": "0", "to": "70", "rate": "3"}, {"from": "80", "to": None, "rate": "5"}],
    }
    response = svc.client.post(f"{C}/plans", json=gapped, headers=o["admin"].headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "tiers.1.from"
    assert svc.client.post(f"{C}/plans", json=PLAN, headers=o["manager"].headers).status_code == 403
    assert svc.client.get(f"{C}/plans", headers=o["admin"].headers).json["items"] == []


def test_simulation_answers_what_each_rep_would_have_earned(svc):
    o = org(svc)
    rep, team = o["rep"], o["team"]
    svc.deliver(payment(svc, rep, team, "100000.00", "2026-02-05T08:00:00Z"))
    response = svc.client.post(
        f"{C}/simulate",
        json={"plan": PLAN, "periods": ["2026-01", "2026-02"]},
        headers=o["admin"].headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["items"][0]["total"] == "3000.00"  # no target: all at 3%
    assert svc.client.get(f"{C}/plans", headers=o["admin"].headers).json["items"] == []
    too_many = svc.client.post(
        f"{C}/simulate",
        json={
            "plan": PLAN,
            "periods": [f"202{y}-{m:02d}" for y in (4, 5, 6) for m in range(1, 10)],
        },
        headers=o["admin"].headers,
    )
    assert too_many.status_code == 422 and too_many.json["errors"][0]["field"] == "periods"
    assert (
        svc.client.post(
            f"{C}/simulate", json={"plan": PLAN, "periods": ["2026-01"]}, headers=rep.headers
        ).status_code
        == 403
    )


def test_rankings_by_figure_and_by_achievement(svc):
    o = org(svc)
    rep, rep2, team = o["rep"], o["rep2"], o["team"]
    svc.deliver(payment(svc, rep, team, "50000.00", "2026-03-05T08:00:00Z"))
    svc.deliver(payment(svc, rep2, team, "80000.00", "2026-03-06T08:00:00Z"))
    for who, amount in ((rep, "40000.00"), (rep2, "160000.00")):
        assert (
            svc.client.post(
                f"{C}/targets",
                json={
                    "period": "2026-03",
                    "metric": "collected_amount",
                    "currency": "CNY",
                    "subject_kind": "user",
                    "subject_id": str(who.id),
                    "team_id": str(team),
                    "target": amount,
                },
                headers=o["manager"].headers,
            ).status_code
            == 201
        )
    query = {"period": "2026-03", "metric": "collected_amount", "currency": "CNY"}
    absolute = svc.client.get(f"{C}/rankings", query_string=query, headers=rep.headers).json
    assert [i["owner_id"] for i in absolute["items"]] == [str(rep2.id), str(rep.id)]
    assert absolute["me"]["rank"] == 2 and Decimal(absolute["me"]["gap_to_next"]) == 30000
    by_target = svc.client.get(
        f"{C}/rankings", query_string={**query, "basis": "achievement"}, headers=rep.headers
    ).json
    assert by_target["me"]["rank"] == 1  # 125% beats 50%: a small territory is not always last
    stranger = svc.user("manager", team_id=uuid.uuid4())
    other = svc.client.get(f"{C}/rankings", query_string=query, headers=stranger.headers).json
    assert other["items"] == []


def test_close_trues_up_a_month_whose_gate_was_missed(svc):
    o = org(svc)
    gated = {
        **PLAN,
        "scorecard": {
            "weights": {"collected_amount": "70", "avg_satisfaction": "30"},
            "gate": {"metric": "avg_satisfaction", "minimum": "3.5"},
        },
    }
    adopt(svc, o["admin"], gated)
    approved_target(svc, o)
    rep, team = o["rep"], o["team"]
    svc.deliver(payment(svc, rep, team, "120000.00", "2026-03-05T08:00:00Z"))
    svc.deliver(
        svc.event(
            "ticket.closed",
            {
                "ticket_id": str(uuid.uuid4()),
                "customer_id": str(uuid.uuid4()),
                "customer_owner_id": str(rep.id),
                "customer_team_id": str(team),
                "satisfaction": 2,
                "closed_at": "2026-03-10T08:00:00Z",
            },
        )
    )
    assert statement(svc, rep, rep)["totals"][0]["net"] == "5000.00"
    closed = svc.client.post(f"{C}/periods/2026-03/close", headers=o["admin"].headers)
    assert closed.json["true_up_lines"] == 1
    march = statement(svc, rep, rep)
    true_up = [ln for ln in march["lines"] if ln["kind"] == "true_up"]
    # Above 100% pays 5%, not the 8% accelerator: 20,000 x 3% less.
    assert [ln["amount"] for ln in true_up] == ["-600.00"]
    assert march["totals"][0]["net"] == "4400.00"
    again = svc.client.post(f"{C}/periods/2026-03/close", headers=o["admin"].headers)
    assert again.status_code == 409
    figures = svc.client.get(
        f"{C}/performance", query_string={"period": "2026-03"}, headers=rep.headers
    ).json
    assert figures["accelerator_gate_met"] is False and figures["score"] is not None
