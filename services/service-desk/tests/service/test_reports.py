"""Service tests of the report: volume, business-time figures, compliance, backlog, CSAT."""

from datetime import UTC, datetime, timedelta

from .helpers import customer_owned_by, move, open_ticket, reply


def test_report_over_a_period(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")
    svc.client.post(
        "/api/v1/sla-policies",
        json={"name": "标准", "first_response_minutes": 60, "resolution_minutes": 600},
        headers=admin.headers,
    )
    customer_id = customer_owned_by(svc, visible, svc.user())
    answered = open_ticket(svc, agent, customer_id, category="printer", channel="email")
    reply(svc, agent, answered["id"])
    move(svc, agent, answered["id"], "resolved")
    [sent] = svc.events("ticket.survey_sent")
    token = sent["data"]["link"].rsplit("/", 1)[1]
    svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 4})
    open_ticket(svc, agent, customer_id, priority="high")
    now = datetime.now(UTC)
    response = svc.client.get(
        "/api/v1/tickets/reports",
        query_string={
            "since": (now - timedelta(hours=1)).isoformat(),
            "until": (now + timedelta(hours=1)).isoformat(),
        },
        headers=admin.headers,
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["volume"]["total"] == 2
    assert body["volume"]["by_channel"] == {"email": 1, "api": 1}
    assert body["volume"]["by_priority"] == {"normal": 1, "high": 1}
    assert body["first_response_minutes"]["median"] is not None
    assert body["first_response_minutes"]["median"] < 1
    assert body["sla_compliance"]["policy"]["标准"]["met"] == 2  # first response and resolution
    assert body["backlog"]["open"] == 1 and body["backlog"]["ages"]["under_1d"] == 1
    assert body["csat"] == {"rated": 1, "average": 4.0, "surveys_sent": 1, "response_rate": 1.0}
    # A rep who owns nothing sees an empty report.
    other = svc.client.get(
        "/api/v1/tickets/reports",
        query_string={
            "since": (now - timedelta(hours=1)).isoformat(),
            "until": (now + timedelta(hours=1)).isoformat(),
        },
        headers=svc.user().headers,
    ).json
    assert other["volume"]["total"] == 0
    bad = svc.client.get(
        "/api/v1/tickets/reports",
        query_string={"since": now.isoformat(), "until": (now - timedelta(days=1)).isoformat()},
        headers=admin.headers,
    )
    assert bad.status_code == 422
