"""Opportunities through the gateway: pipelines, stage moves, the forecast, the funnel.

Every call goes through the gateway with a bearer token; what customers
learns of a deal (its 360° view) travels as events on the bus.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from opportunities.rules.periods import parse_period

from .conftest import ADMIN_PASSWORD, System, eventually

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def crew(system: System) -> dict[str, dict[str, str]]:
    """An admin, a manager and a rep of one team."""
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"deals {suffix}"})
    assert team.status_code == 201, team.text
    people = {"admin": {"token": admin}}
    for name, roles in (("manager", ["manager"]), ("rep", ["rep"])):
        username = f"o-{name}-{suffix}"
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
        people[name] = {
            "token": system.token(username, "a-long-password"),
            "id": created.json()["id"],
        }
    return people


def test_a_deal_moves_through_the_pipeline_into_the_forecast_and_the_360_view(
    system: System, crew
) -> None:
    rep, manager = crew["rep"]["token"], crew["manager"]["token"]
    customer = system.call(
        "POST", "/api/v1/customers", rep, json={"name": f"上海{uuid.uuid4().hex[:6]}"}
    )
    assert customer.status_code == 201, customer.text
    [pipeline] = [
        p for p in system.call("GET", "/api/v1/pipelines", rep).json()["items"] if p["is_default"]
    ]
    stages = {s["name"]: s["id"] for s in pipeline["stages"]}
    today = datetime.now(UTC).date()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    quarter_end = parse_period(quarter)[1] - timedelta(days=1)
    created = system.call(
        "POST",
        "/api/v1/opportunities",
        rep,
        json={
            "customer_id": customer.json()["id"],
            "name": "云平台",
            "amount": "88000.00",
            "currency": "CNY",
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert created.status_code == 201, created.text
    deal = created.json()
    url = f"/api/v1/opportunities/{deal['id']}"
    refused = system.call("POST", url + "/stage", rep, json={"stage_id": stages["negotiation"]})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {
        "expected_close_date",
        "decision_maker",
    }
    patched = system.call(
        "PATCH",
        url,
        rep,
        json={
            "expected_close_date": quarter_end.isoformat(),
            "contacts": [
                {"contact_id": str(uuid.uuid4()), "name": "陈总", "role": "decision_maker"}
            ],
            "lines": [{"name": "许可", "quantity": "4", "unit_price": "25000.00", "discount": "5"}],
        },
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["amount"] == "95000.00"
    moved = system.call("POST", url + "/stage", rep, json={"stage_id": stages["negotiation"]})
    assert moved.status_code == 200, moved.text

    forecast = system.call(
        "GET", "/api/v1/opportunities/forecast", manager, params={"period": quarter}
    )
    assert forecast.status_code == 200, forecast.text
    [cny] = [c for c in forecast.json()["currencies"] if c["currency"] == "CNY"]
    assert cny["commit"] == "95000.00"
    assert cny["stage_weighted"] == "66500.00"

    funnel = system.call("GET", "/api/v1/opportunities/analytics/funnel", manager)
    assert funnel.status_code == 200, funnel.text
    rows = {s["name"]: s for s in funnel.json()["stages"]}
    assert rows["negotiation"]["reached"] >= 1

    def copied():
        body = system.call("GET", f"/api/v1/customers/{customer.json()['id']}/360", rep).json()
        assert body["opportunities"]["open_total"] == [{"currency": "CNY", "amount": "95000.00"}]
        return body

    eventually(copied)  # opportunity.stage_changed reached customers
    won = system.call("POST", url + "/win", rep)
    assert won.status_code == 200 and won.json()["stage"] == "won"
    assert system.call("POST", url + "/win", rep).status_code == 409
    eventually(  # deal.won reached orders (behind whatever the earlier tests left queued)
        lambda: system.call(
            "GET", "/api/v1/orders", rep, params={"opportunity_id": deal["id"]}
        ).json()["items"][0],
        timeout=120,
    )
    history = system.call("GET", url + "/history", rep).json()
    assert [s["to_stage"] for s in history["stages"]] == ["qualification", "negotiation", "won"]
