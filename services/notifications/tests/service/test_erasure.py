"""Service tests: ``customer.erased`` / ``lead.erased`` take the person out of every copy."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from notifications.models import ErasedSubject, Message, ReceivedEvent
from notifications.models_hooks import WebhookDelivery

from . import receiver as receivers
from .flow import org

URL = "/api/v1/notifications"
HOOKS = "/api/v1/webhooks"
SECRET_TEXT = "张三 13800138000 要求更换负责人"


def assigned(owner, customer_id: uuid.UUID, reason: str = SECRET_TEXT) -> dict:
    return {
        "customer_id": str(customer_id),
        "owner_id": str(owner.id),
        "team_id": None,
        "previous_owner_id": None,
        "reason": reason,
        "assigned_by": None,
        "assigned_at": "2026-12-03T02:00:00Z",
    }


def erased(customer_id: uuid.UUID, *contacts: uuid.UUID, lead_id=None) -> dict:
    return {
        "customer_id": str(customer_id),
        "contact_ids": [str(c) for c in contacts],
        "lead_id": str(lead_id) if lead_id else None,
        "erased_at": "2026-12-03T03:00:00Z",
    }


def captured(lead_id: uuid.UUID) -> dict:
    return {
        "lead_id": str(lead_id),
        "name": "李四",
        "email": "lisi@example.com",
        "phone": "13900139000",
        "company": "杭州某某有限公司",
        "source": "web",
        "owner_id": None,
        "team_id": None,
        "captured_at": "2026-12-03T02:00:00Z",
        "channel": None,
        "campaign_id": None,
    }


@pytest.fixture
def hooks(mail_svc, monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_OUTBOUND_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("CRM_NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS", "0")
    got = receivers.start()
    yield mail_svc, got
    got.close()


def _everything_stored(svc) -> str:
    with svc.db.reading() as session:
        rows = [r.data for r in session.scalars(select(ReceivedEvent))]
        rows += [[m.subject, m.text, m.html] for m in session.scalars(select(Message))]
        rows += [r.envelope for r in session.scalars(select(WebhookDelivery))]
    return json.dumps(rows, ensure_ascii=False)


def test_erasing_a_customer_removes_it_from_the_bell_mail_log_and_webhooks(hooks):
    svc, got = hooks
    o = org(svc)
    endpoint = svc.client.post(
        HOOKS,
        json={"url": got.url, "event_types": ["customer.assigned", "customer.erased"]},
        headers=o["admin"].headers,
    ).json
    customer, contact = uuid.uuid4(), uuid.uuid4()
    assert svc.deliver(svc.event("customer.assigned", assigned(o["rep"], customer)))
    svc.run_job("notifications-dispatch")
    svc.run_job("notifications-webhooks")
    [entry] = svc.client.get(URL, headers=o["rep"].headers).json["items"]
    assert "13800138000" in entry["body"]
    assert "13800138000" in _everything_stored(svc)

    erase = svc.event("customer.erased", erased(customer, contact))
    assert svc.deliver(erase)

    listing = svc.client.get(URL, headers=o["rep"].headers).json
    [entry] = listing["items"]
    assert entry["title"] == entry["body"] == "(erased)"
    assert listing["unread"] == 1  # the row stays: unread counts stay honest
    stored = _everything_stored(svc)
    assert "13800138000" not in stored and "张三" not in stored
    log = svc.client.get(f"{URL}/messages", headers=o["admin"].headers).json["items"]
    detail = svc.client.get(f"{URL}/messages/{log[0]['id']}", headers=o["admin"].headers).json
    assert "13800138000" not in json.dumps(detail, ensure_ascii=False)
    # Integrations hear of the erasure, so they erase too.
    svc.run_job("notifications-webhooks")
    sent = [json.loads(body) for _, _, body in got.got]
    assert [d["type"] for d in sent] == ["customer.assigned", "customer.erased"]
    assert sent[1]["data"]["customer_id"] == str(customer)
    # A replay of the old delivery sends no personal data any more.
    items = svc.client.get(
        f"{HOOKS}/{endpoint['id']}/deliveries",
        query_string={"event_type": "customer.assigned"},
        headers=o["admin"].headers,
    ).json["items"]
    svc.client.post(
        f"{HOOKS}/{endpoint['id']}/deliveries/{items[0]['id']}/replay", headers=o["admin"].headers
    )
    svc.run_job("notifications-webhooks")
    replayed = json.loads(got.got[-1][2])
    assert replayed["data"]["customer_id"] == str(customer)
    assert replayed["data"]["erased"] is True and "reason" not in replayed["data"]


def test_a_late_event_about_an_erased_customer_stays_erased(hooks):
    svc, got = hooks
    o = org(svc)
    svc.client.post(
        HOOKS,
        json={"url": got.url, "event_types": ["customer.assigned"]},
        headers=o["admin"].headers,
    )
    customer = uuid.uuid4()
    late = svc.event("customer.assigned", assigned(o["rep"], customer))
    assert svc.deliver(svc.event("customer.erased", erased(customer)))
    assert svc.deliver(late)  # published before the erasure, arriving after it
    svc.run_job("notifications-dispatch")
    svc.run_job("notifications-webhooks")
    assert svc.client.get(URL, headers=o["rep"].headers).json["items"] == []
    assert "13800138000" not in _everything_stored(svc)
    [(_, _, body)] = got.got
    data = json.loads(body)["data"]
    assert data["customer_id"] == str(customer) and data["owner_id"] == str(o["rep"].id)
    assert data["erased"] is True and "reason" not in data
    # The stored event keeps its row, for dedup: a redelivery adds nothing.
    assert not svc.deliver(late)
    with svc.db.reading() as session:
        assert session.get(ReceivedEvent, late.id).data["erased"] is True


def test_an_erase_and_a_late_event_in_one_batch_and_a_repeated_erase(mail_svc):
    svc = mail_svc
    o = org(svc)
    customer = uuid.uuid4()
    before = svc.event("customer.assigned", assigned(o["rep"], customer))
    erase = svc.event("customer.erased", erased(customer))
    svc.deliver_many([before, erase])  # one consumer batch, one transaction
    [entry] = svc.client.get(URL, headers=o["rep"].headers).json["items"]
    assert entry["body"] == "(erased)"
    assert "13800138000" not in _everything_stored(svc)
    # The same erase again (redelivered) and another one for the same customer: no change.
    assert not svc.deliver(erase)
    assert svc.deliver(svc.event("customer.erased", erased(customer)))
    with svc.db.reading() as session:
        assert [t.kind for t in session.scalars(select(ErasedSubject))] == ["customer"]
    assert svc.client.get(f"{URL}/unread-count", headers=o["rep"].headers).json == {"unread": 1}
    svc.run_job("notifications-dispatch")
    assert all("13800138000" not in str(m) for m in svc.sink.messages)


def test_erasing_a_lead_scrubs_its_webhook_payloads(hooks):
    svc, got = hooks
    o = org(svc)
    svc.client.post(
        HOOKS,
        json={"url": got.url, "event_types": ["lead.captured", "lead.erased"]},
        headers=o["admin"].headers,
    )
    lead, other = uuid.uuid4(), uuid.uuid4()
    svc.deliver(svc.event("lead.captured", captured(lead)))
    svc.deliver(svc.event("lead.captured", captured(other)))
    svc.deliver(
        svc.event("lead.erased", {"lead_id": str(lead), "erased_at": "2026-12-03T03:00:00Z"})
    )
    with svc.db.reading() as session:
        payloads = {
            r.envelope["data"]["lead_id"]: r.envelope["data"]
            for r in session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.event_type == "lead.captured")
            )
        }
    assert "name" not in payloads[str(lead)] and payloads[str(lead)]["erased"] is True
    assert payloads[str(other)]["name"] == "李四"  # someone else's stays
    svc.run_job("notifications-webhooks")
    assert sorted(json.loads(b)["type"] for _, _, b in got.got) == [
        "lead.captured",
        "lead.captured",
        "lead.erased",
    ]
