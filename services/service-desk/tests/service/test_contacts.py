"""Senders matched from the customers service's contacts, and a customer's erasure."""

from __future__ import annotations

import uuid

from crm_shared.testing import check_order_independence
from service_desk.models import ContactCopy, ContactRef, CustomerRef, Ticket
from service_desk.service import SERVICE

from .helpers import customer_owned_by
from .test_channels import mail, post


def contact_event(svc, kind, contact_id, customer_id, email, at, name="王小明"):
    stamp = "created_at" if kind == "contact.created" else "updated_at"
    return svc.event(
        kind,
        {
            "contact_id": str(contact_id),
            "customer_id": str(customer_id),
            "name": name,
            "email": email,
            "phone": "+8613800138000",
            "is_primary": True,
            stamp: at,
        },
    )


def test_mail_from_a_contact_the_customers_service_published_opens_a_ticket(svc, visible):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    contact_id = uuid.uuid4()
    # Published in mixed case: the desk compares addresses lower-case.
    svc.deliver(
        contact_event(
            svc,
            "contact.created",
            contact_id,
            customer_id,
            "Li.Lei@Example.CN",
            "2026-11-02T08:00:00Z",
        )
    )
    opened = post(svc, agent, mail(sender="li.lei@example.cn", message_id="<c1@example.cn>"))
    assert opened.status_code == 200 and opened.json["action"] == "opened", opened.json
    ticket = svc.client.get(f"/api/v1/tickets/{opened.json['ticket_id']}", headers=agent.headers)
    assert ticket.json["customer_id"] == customer_id
    assert ticket.json["contact_id"] == str(contact_id)
    # The contact's address changes: the old one no longer finds the customer.
    svc.deliver(
        contact_event(
            svc,
            "contact.updated",
            contact_id,
            customer_id,
            "lilei@new.example.cn",
            "2026-11-03T08:00:00Z",
        )
    )
    refused = post(svc, agent, mail(sender="li.lei@example.cn", message_id="<c2@example.cn>"))
    assert refused.status_code == 422
    assert "from" in str(refused.json)
    moved = post(svc, agent, mail(sender="LiLei@new.example.cn", message_id="<c3@example.cn>"))
    assert moved.json["action"] == "opened"


def test_an_address_agents_registered_still_matches_beside_the_copies(svc, visible):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    kept = svc.client.post(
        "/api/v1/tickets/contacts",
        json={"email": "buyer@example.cn", "customer_id": customer_id, "name": "采购"},
        headers=agent.headers,
    )
    assert kept.status_code == 200
    opened = post(svc, agent, mail(sender="buyer@example.cn", message_id="<r1@example.cn>"))
    assert opened.json["action"] == "opened"


def test_contact_events_in_any_order_leave_the_newest_address(harness_factory, visible):
    def make():
        return harness_factory(SERVICE, environ={"CRM_CUSTOMERS_URL": visible.url})

    contact_id, customer_id = uuid.uuid4(), uuid.uuid4()
    first = make()
    events = [
        contact_event(
            first,
            "contact.created",
            contact_id,
            customer_id,
            "a@example.cn",
            "2026-11-01T01:00:00Z",
        ),
        contact_event(
            first,
            "contact.updated",
            contact_id,
            customer_id,
            "B@example.cn",
            "2026-11-01T02:00:00Z",
        ),
        contact_event(
            first,
            "contact.updated",
            contact_id,
            customer_id,
            "c@example.cn",
            "2026-11-01T03:00:00Z",
            name="王晓明",
        ),
    ]

    def state(svc):
        with svc.db.reading() as session:
            copy = session.get(ContactCopy, contact_id)
            return copy.email, copy.name

    check = check_order_independence(make, events, state, runs=6)
    check.assert_same()
    assert check.expected == ("c@example.cn", "王晓明")


def test_customer_erased_anonymises_the_desks_copies_and_keeps_the_tickets(svc, visible):
    agent = svc.user("service_agent")
    customer_id = customer_owned_by(svc, visible, svc.user())
    contact_id, late_contact = uuid.uuid4(), uuid.uuid4()
    svc.deliver(
        contact_event(
            svc,
            "contact.created",
            contact_id,
            customer_id,
            "wang@example.cn",
            "2026-11-02T08:00:00Z",
        )
    )
    svc.client.post(
        "/api/v1/tickets/contacts",
        json={"email": "other@example.cn", "customer_id": customer_id, "name": "王二"},
        headers=agent.headers,
    )
    opened = post(svc, agent, mail(sender="wang@example.cn", message_id="<e1@example.cn>"))
    ticket_id = opened.json["ticket_id"]
    erased = svc.event(
        "customer.erased",
        {
            "customer_id": customer_id,
            "contact_ids": [str(contact_id), str(late_contact)],
            "erased_at": "2026-11-05T00:00:00Z",
        },
    )
    svc.deliver(erased)
    svc.deliver(erased)  # a redelivery changes nothing
    # The contact's own event arriving late does not bring the address back.
    svc.deliver(
        contact_event(
            svc,
            "contact.created",
            late_contact,
            customer_id,
            "late@example.cn",
            "2026-11-01T00:00:00Z",
        )
    )
    # A customer.created redelivered after the erasure does not bring the name back.
    svc.deliver(
        svc.event(
            "customer.created",
            {
                "customer_id": customer_id,
                "name": "Acme 华东",
                "owner_id": None,
                "team_id": None,
                "created_at": "2026-11-01T00:00:00Z",
            },
        )
    )
    with svc.db.reading() as session:
        copy = session.get(ContactCopy, contact_id)
        assert (copy.name, copy.email, copy.erased) == (None, None, True)
        assert session.get(ContactCopy, late_contact).email is None
        assert session.query(ContactRef).filter_by(customer_id=uuid.UUID(customer_id)).count() == 0
        assert session.get(CustomerRef, uuid.UUID(customer_id)).name is None
        ticket = session.get(Ticket, uuid.UUID(ticket_id))
        assert ticket is not None and ticket.requester_email is None
    # The ticket itself is still there for the desk; mail from the address finds nobody.
    shown = svc.client.get(f"/api/v1/tickets/{ticket_id}", headers=agent.headers)
    assert shown.status_code == 200 and shown.json["subject"] == "打印机卡纸"
    assert (
        post(svc, agent, mail(sender="wang@example.cn", message_id="<e2@example.cn>")).status_code
        == 422
    )
    assert (
        post(svc, agent, mail(sender="late@example.cn", message_id="<e3@example.cn>")).status_code
        == 422
    )
