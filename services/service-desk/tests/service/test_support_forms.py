"""Service tests of the public support form: key, honeypot, rate limits, no leaks."""

from .helpers import customer_owned_by


def form(svc, admin, **fields):
    made = svc.client.post(
        "/api/v1/tickets/forms",
        json={"name": "打印机官网", "category": "printer", **fields},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.json
    return made.json


def submit(svc, key, **fields):
    body = {"email": "wang@example.cn", "subject": "卡纸", "body": "又卡纸了", **fields}
    return svc.client.post(f"/api/v1/tickets/forms/{key}", json=body)


def test_known_and_unknown_senders_get_the_same_answer(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")
    key = form(svc, admin)["key"]
    customer_id = customer_owned_by(svc, visible, svc.user())
    svc.client.post(
        "/api/v1/tickets/contacts",
        json={"email": "wang@example.cn", "customer_id": customer_id},
        headers=agent.headers,
    )
    known = submit(svc, key)
    stranger = submit(svc, key, email="li@example.com")
    assert known.status_code == stranger.status_code == 202
    assert known.json == stranger.json == {"received": True}
    [opened] = svc.events("ticket.opened")
    assert opened["data"]["customer_id"] == customer_id
    listed = svc.client.get("/api/v1/tickets", headers=agent.headers).json["items"]
    assert listed[0]["channel"] == "form" and listed[0]["category"] == "printer"
    [waiting] = svc.client.get("/api/v1/tickets/form-requests", headers=agent.headers).json["items"]
    assert waiting["email"] == "li@example.com"
    other = customer_owned_by(svc, visible, svc.user())
    placed = svc.client.post(
        f"/api/v1/tickets/form-requests/{waiting['id']}/accept",
        json={"customer_id": other},
        headers=agent.headers,
    )
    assert placed.status_code == 200 and placed.json["ticket_id"]
    assert len(svc.events("ticket.opened")) == 2
    again = svc.client.post(
        f"/api/v1/tickets/form-requests/{waiting['id']}/accept",
        json={"customer_id": other},
        headers=agent.headers,
    )
    assert again.status_code == 409


def test_honeypot_unknown_fields_bad_keys_and_rate_limits(svc, visible):
    admin = svc.user("admin")
    key = form(svc, admin, per_client_per_minute=3)["key"]
    bot = submit(svc, key, website="http://spam.example")
    assert bot.status_code == 202
    assert (
        svc.client.get("/api/v1/tickets/form-requests", headers=admin.headers).json["items"] == []
    )
    extra = submit(svc, key, owner_id="x")
    assert extra.status_code == 422 and extra.json["errors"][0]["field"] == "owner_id"
    assert submit(svc, "no-such-key").status_code == 404
    assert submit(svc, key, email="not-an-email").status_code == 422
    assert submit(svc, key).status_code == 202  # the third counted from this address
    assert submit(svc, key).status_code == 429  # the fourth this minute
