"""Service tests of the ticket lifecycle, thread, merge and followers."""

import base64
import io
import uuid

from PIL import Image

from .helpers import customer_owned_by, move, open_ticket, reply


def test_lifecycle_is_kept_as_history_and_bad_moves_change_nothing(svc, visible):
    agent = svc.user("service_agent")
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()))
    assert ticket["status"] == "new"
    assert reply(svc, agent, ticket["id"]).status_code == 201  # an agent's reply opens it
    move(svc, agent, ticket["id"], "pending")
    move(svc, agent, ticket["id"], "resolved")
    refused = move(svc, agent, ticket["id"], "new", expect=409)
    assert "cannot become new" in refused["detail"]
    reopened = move(svc, agent, ticket["id"], "open")
    assert [h["status"] for h in reopened["history"]] == [
        "new",
        "open",
        "pending",
        "resolved",
        "open",
    ]


def test_reopen_only_within_the_window(svc, visible):
    agent = svc.user("service_agent")
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()))
    move(svc, agent, ticket["id"], "resolved")
    from datetime import timedelta

    from service_desk.models import Ticket

    with svc.db.session() as session:
        row = session.get(Ticket, uuid.UUID(ticket["id"]))
        row.resolved_at -= timedelta(days=8)
        session.commit()
    refused = move(svc, agent, ticket["id"], "open", expect=409)
    assert "within 7 days" in refused["detail"]


def test_a_customer_reply_brings_a_pending_ticket_back(svc, visible):
    agent = svc.user("service_agent")
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()))
    move(svc, agent, ticket["id"], "pending")
    from service_desk import threads
    from service_desk.models import Ticket

    with svc.db.session() as session:
        row = session.get(Ticket, uuid.UUID(ticket["id"]))
        threads.add_message(
            session,
            row,
            visibility="public",
            author_kind="customer",
            author_id=None,
            body="还是不行",
            attachments=[],
            max_bytes=1000,
        )
        session.commit()
    shown = svc.client.get(f"/api/v1/tickets/{ticket['id']}", headers=agent.headers).json
    assert shown["status"] == "open"


def test_thread_keeps_notes_and_attachments(svc, visible):
    agent, owner = svc.user("service_agent"), svc.user()
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, owner))
    # A real image: uploads are typed from their bytes, never from the name.
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    png = buffer.getvalue()
    note = reply(
        svc,
        agent,
        ticket["id"],
        "内部备注",
        visibility="internal",
        attachments=[{"filename": "屏幕.png", "content_base64": base64.b64encode(png).decode()}],
    )
    assert note.status_code == 201
    [attached] = note.json["attachments"]
    assert attached["content_type"] == "image/png"
    got = svc.client.get(
        f"/api/v1/tickets/{ticket['id']}/attachments/{attached['file_id']}",
        headers=agent.headers,
    )
    assert got.status_code == 200 and got.data == png
    # The customer's owner follows and may see the thread, but cannot answer publicly.
    thread = svc.client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=owner.headers)
    assert [m["visibility"] for m in thread.json["items"]] == ["internal"]
    refused = reply(svc, owner, ticket["id"], "hi")
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "visibility"
    bad = reply(
        svc,
        agent,
        ticket["id"],
        "x",
        attachments=[{"filename": "a", "content_base64": "!!!"}],
    )
    assert bad.status_code == 422
    thread = svc.client.get(f"/api/v1/tickets/{ticket['id']}/messages", headers=agent.headers)
    assert len(thread.json["items"]) == 1


def test_the_customers_owner_follows_and_others_can_follow(svc, visible):
    agent, owner = svc.user("service_agent"), svc.user()
    ticket = open_ticket(svc, agent, customer_owned_by(svc, visible, owner))
    assert ticket["followers"] == [str(owner.id)]
    colleague = svc.user()
    # A rep who neither owns nor follows cannot see it, so cannot follow it either.
    url = f"/api/v1/tickets/{ticket['id']}/followers/me"
    assert svc.client.put(url, headers=colleague.headers).status_code == 404


def test_merge_moves_the_thread_and_closes_the_duplicate(svc, visible):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    first = open_ticket(svc, agent, customer_id, tags=["printer"])
    duplicate = open_ticket(svc, agent, customer_id, tags=["urgent"])
    reply(svc, agent, duplicate["id"], "dup reply")
    merged = svc.client.post(
        f"/api/v1/tickets/{duplicate['id']}/merge",
        json={"into_id": first["id"]},
        headers=agent.headers,
    )
    assert merged.status_code == 200 and merged.json["tags"] == ["printer", "urgent"]
    gone = svc.client.get(f"/api/v1/tickets/{duplicate['id']}", headers=agent.headers).json
    assert gone["status"] == "closed" and gone["merged_into_id"] == first["id"]
    bodies = [
        m["body"]
        for m in svc.client.get(
            f"/api/v1/tickets/{first['id']}/messages", headers=agent.headers
        ).json["items"]
    ]
    assert "dup reply" in bodies
    other = open_ticket(svc, agent, customer_owned_by(svc, visible, svc.user()))
    refused = svc.client.post(
        f"/api/v1/tickets/{other['id']}/merge", json={"into_id": first["id"]}, headers=agent.headers
    )
    assert refused.status_code == 422


def test_bad_ticket_fields_are_422(svc, visible):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    response = svc.client.post(
        "/api/v1/tickets",
        json={"customer_id": customer_id, "subject": "x", "priority": "whenever"},
        headers=agent.headers,
    )
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "priority"
    assert svc.events("ticket.opened") == []


def test_a_ticket_names_only_an_order_of_its_customer(svc, visible):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    other_customer = customer_owned_by(svc, visible, svc.user())
    order_id = str(uuid.uuid4())
    event = svc.event(
        "order.created",
        {
            "order_id": order_id,
            "customer_id": customer_id,
            "amount": "100.00",
            "currency": "CNY",
            "owner_id": str(uuid.uuid4()),
            "created_at": "2026-11-20T00:00:00Z",
        },
    )
    assert svc.deliver(event)
    assert not svc.deliver(event)  # a redelivery is skipped
    ticket = open_ticket(svc, agent, customer_id, order_id=order_id)
    assert ticket["order_id"] == order_id
    for customer, order in ((other_customer, order_id), (customer_id, str(uuid.uuid4()))):
        refused = svc.client.post(
            "/api/v1/tickets",
            json={"customer_id": customer, "subject": "x", "order_id": order},
            headers=agent.headers,
        )
        assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "order_id"
