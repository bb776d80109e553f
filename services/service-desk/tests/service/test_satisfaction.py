"""Service tests of CSAT: surveys on resolution, one answer, agent ratings, 13.4."""

from datetime import timedelta

from service_desk.models import Survey

from .helpers import customer_owned_by, move, open_ticket


def resolved_with_survey(svc, visible, owner=None):
    agent = svc.user("service_agent")
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, owner or svc.user()))
    move(svc, agent, ticket["id"], "resolved")
    sent = [e for e in svc.events("ticket.survey_sent") if e["data"]["ticket_id"] == ticket["id"]]
    [event] = sent
    token = event["data"]["link"].rsplit("/", 1)[1]
    return agent, ticket, event, token


def test_resolution_sends_a_link_on_the_public_base_url(svc, visible):
    _, _, event, token = resolved_with_survey(svc, visible)
    assert event["data"]["link"] == f"http://127.0.0.1:8000/api/v1/surveys/{token}"
    shown = svc.client.get(f"/api/v1/surveys/{token}")
    assert shown.status_code == 200
    assert shown.json == {
        "subject": "打印机坏了",
        "status": "resolved",
        "answered": False,
        "expires_at": shown.json["expires_at"],
    }


def test_a_survey_answer_rides_on_ticket_closed(svc, visible):
    agent, ticket, _, token = resolved_with_survey(svc, visible)
    answered = svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 5, "comment": "很好"})
    assert answered.status_code == 200 and answered.json["answered"] is True
    twice = svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 1})
    assert twice.status_code == 409
    move(svc, agent, ticket["id"], "closed")
    [closed] = svc.events("ticket.closed")
    assert closed["data"]["satisfaction"] == 5
    assert closed["data"]["rating_channel"] == "survey"
    assert svc.events("ticket.rated") == []


def test_a_late_answer_publishes_ticket_rated(svc, visible):
    agent, ticket, _, token = resolved_with_survey(svc, visible)
    move(svc, agent, ticket["id"], "closed")
    [closed] = svc.events("ticket.closed")
    assert closed["data"]["satisfaction"] is None
    assert svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 3}).status_code == 200
    [rated] = svc.events("ticket.rated")
    assert rated["data"]["rating"] == 3 and rated["data"]["channel"] == "survey"


def test_forged_expired_and_late_tokens_are_refused(svc, visible):
    _, _, _, token = resolved_with_survey(svc, visible)
    survey_id, expires, signature = token.split(".")
    forged = f"{survey_id}.{int(expires) + 86400}.{signature}"
    for bad in (forged, "nonsense", token[:-2] + "xx"):
        response = svc.client.post(f"/api/v1/surveys/{bad}", json={"rating": 5})
        assert response.status_code == 404
        assert "survey" in response.json["detail"]
    with svc.db.session() as session:
        survey = session.query(Survey).one()
        survey.sent_at -= timedelta(days=15)
        session.commit()
    late = svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 5})
    assert late.status_code == 409 and "within 14 days" in late.json["detail"]
    assert svc.client.post(f"/api/v1/surveys/{token}", json={"rating": 9}).status_code == 422


def test_a_rep_cannot_rate_tickets_of_customers_they_own(svc, visible):
    """Issue 13.4: the owner's satisfaction figure feeds their commission."""
    owner = svc.user()
    owning_admin = svc.user("admin")
    agent = svc.user("service_agent")
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, owner))
    url = f"/api/v1/tickets/{ticket['id']}/rating"
    refused = svc.client.post(url, json={"rating": 5}, headers=owner.headers)
    assert refused.status_code == 403
    closing = svc.client.post(
        f"/api/v1/tickets/{ticket['id']}/close", json={"satisfaction": 5}, headers=owner.headers
    )
    assert closing.status_code == 403
    # Even an owner holding the admin role may not rate their own customer.
    own = open_ticket(svc, agent, customer_owned_by(svc, visible, owning_admin))
    assert (
        svc.client.post(
            f"/api/v1/tickets/{own['id']}/rating", json={"rating": 5}, headers=owning_admin.headers
        ).status_code
        == 403
    )
    shown = svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=agent.headers).json
    assert shown["satisfaction"] is None and shown["status"] == "new"
    assert svc.events("ticket.closed") == []
    recorded = svc.client.post(url, json={"rating": 4}, headers=agent.headers)
    assert recorded.status_code == 200 and recorded.json["rating_channel"] == "agent"
    assert svc.client.post(url, json={"rating": 2}, headers=agent.headers).status_code == 409
