"""The backbone flow through the gateway.

Lead → customer → deal → order → payment → ticket → performance.

Every step is a real state change in the owning service's own database,
reached only through the gateway with a bearer token; every hand-over
between services is an event on the bus.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from .conftest import ADMIN_PASSWORD, System, eventually

pytestmark = pytest.mark.e2e


def items(response):
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


@pytest.fixture(scope="module")
def people(system: System) -> dict[str, str]:
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"East {suffix}"})
    assert team.status_code == 201, team.text
    tokens = {"admin": admin}
    for name, roles in (("rep", ["rep"]), ("rep2", ["rep"]), ("agent", ["service_agent"])):
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
    return tokens


def test_me(system: System, people: dict[str, str]) -> None:
    me = system.call("GET", "/api/v1/auth/me", people["rep"])
    assert me.status_code == 200
    assert me.json()["roles"] == ["rep"]
    assert uuid.UUID(me.json()["team_id"])


def test_backbone_flow(system: System, people: dict[str, str]) -> None:
    rep, rep2, agent = people["rep"], people["rep2"], people["agent"]
    rep_id = system.call("GET", "/api/v1/auth/me", rep).json()["id"]
    rep2_id = system.call("GET", "/api/v1/auth/me", rep2).json()["id"]

    lead = system.call(
        "POST",
        "/api/v1/leads",
        rep,
        json={
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0958",
            "company": "Analytical Engines",
            "source": "web",
        },
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    qualified = system.call("POST", f"/api/v1/leads/{lead_id}/qualify", rep)
    assert qualified.status_code == 200, qualified.text

    # customers consumed lead.qualified and made a customer owned by the lead's owner
    customer = eventually(
        lambda: items(system.call("GET", "/api/v1/customers", rep, params={"lead_id": lead_id}))[0]
    )
    assert customer["owner_id"] == rep_id
    customer_url = f"/api/v1/customers/{customer['id']}"
    assert system.call("GET", customer_url, rep).json()["owner_id"] == rep_id

    released = system.call("POST", customer_url + "/release", rep, json={"reason": "handing over"})
    assert released.status_code == 200, released.text
    assert not released.json()["owner_id"]
    claimed = system.call("POST", customer_url + "/claim", rep2)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["owner_id"] == rep2_id

    opportunity = system.call(
        "POST",
        "/api/v1/opportunities",
        rep2,
        json={
            "customer_id": customer["id"],
            "name": "Engines",
            "amount": "12500.00",
            "currency": "GBP",
        },
    )
    assert opportunity.status_code == 201, opportunity.text
    won = system.call("POST", f"/api/v1/opportunities/{opportunity.json()['id']}/win", rep2)
    assert won.status_code == 200, won.text

    order = eventually(
        lambda: items(
            system.call(
                "GET", "/api/v1/orders", rep2, params={"opportunity_id": opportunity.json()["id"]}
            )
        )[0]
    )
    assert order["amount"] == "12500.00" and order["currency"] == "GBP"
    payment = system.call(
        "POST",
        f"/api/v1/orders/{order['id']}/payments",
        rep2,
        json={"amount": "5000.00", "currency": "GBP"},
    )
    assert payment.status_code == 201, payment.text

    ticket = system.call(
        "POST",
        "/api/v1/tickets",
        agent,
        json={"customer_id": customer["id"], "subject": "Gear jammed", "description": "Column 3"},
    )
    assert ticket.status_code == 201, ticket.text

    # The service desk learns who owns the customer from customer.claimed.
    def owner_known():
        listed = items(
            system.call("GET", "/api/v1/tickets", rep2, params={"customer_id": customer["id"]})
        )
        return listed and listed[0]["id"] == ticket.json()["id"]

    eventually(owner_known)
    closed = system.call(
        "POST", f"/api/v1/tickets/{ticket.json()['id']}/close", agent, json={"satisfaction": 5}
    )
    assert closed.status_code == 200, closed.text

    period = datetime.now(UTC).strftime("%Y-%m")

    def figures():
        body = system.call(
            "GET",
            "/api/v1/compensation/performance",
            rep2,
            params={"owner_id": rep2_id, "period": period},
        ).json()
        assert body["won_amount"] == "12500.00", body
        assert body["collected_amount"] == "5000.00", body
        assert body["avg_satisfaction"] is not None and float(body["avg_satisfaction"]) == 5.0, body
        return body

    eventually(figures)


def test_trace_crosses_gateway_service_and_bus(system: System, people: dict[str, str]) -> None:
    rep = people["rep"]
    lead = system.call("POST", "/api/v1/leads", rep, json={"name": "Traced"}).json()
    qualified = system.call("POST", f"/api/v1/leads/{lead['id']}/qualify", rep)
    trace_id = qualified.headers["X-Trace-Id"]

    def consumer_span():
        for span in system.spans():
            if (
                span["context"]["trace_id"] == f"0x{trace_id}"
                and span["name"] == "lead.qualified process"
                and span["resource"]["attributes"]["service.name"] == "crm-customers"
            ):
                return span
        return None

    span = eventually(consumer_span)
    names = {
        (s["resource"]["attributes"]["service.name"], s["name"])
        for s in system.spans()
        if s["context"]["trace_id"] == f"0x{trace_id}"
    }
    assert ("crm-gateway", "POST /api/v1/<path:path>") in names
    assert ("crm-leads", "POST /api/v1/leads/<uuid:lead_id>/qualify") in names
    assert span["kind"] == "SpanKind.CONSUMER"


def test_errors_through_the_gateway_are_problem_details(
    system: System, people: dict[str, str]
) -> None:
    bad = system.call("POST", "/api/v1/leads", people["rep"], json={"name": "", "email": "nope"})
    assert bad.status_code == 422
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"name", "email"}
    assert system.call("GET", "/api/v1/leads").status_code == 401
    document = system.call("GET", "/api/v1/openapi.json").json()
    for path in (
        "/api/v1/leads",
        "/api/v1/customers/{customer_id}/claim",
        "/api/v1/orders/{order_id}/payments",
        "/api/v1/tickets/{ticket_id}/close",
        "/api/v1/compensation/performance",
        "/api/v1/auth/token",
    ):
        assert path in document["paths"], path
    assert document["info"]["x-services-missing"] == []
