"""Service tests: outbound webhooks to a real local receiver (allow-listed loopback)."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from notifications.outbound import signing

from . import receiver as receivers
from .flow import org

URL = "/api/v1/webhooks"


def captured(**extra):
    return {
        "lead_id": str(uuid.uuid4()),
        "name": "张三",
        "email": "zhangsan@example.com",
        "phone": None,
        "company": "上海某某科技有限公司",
        "source": "web",
        "owner_id": None,
        "team_id": None,
        "captured_at": "2026-12-03T02:00:00Z",
        "channel": None,
        "campaign_id": None,
        **extra,
    }


@pytest.fixture
def hooks(svc, monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_OUTBOUND_ALLOW", "127.0.0.1/32")
    monkeypatch.setenv("CRM_NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS", "0")
    got = receivers.start()
    yield svc, got
    got.close()


def subscribe(svc, admin, url, **extra):
    return svc.client.post(
        URL, json={"url": url, "event_types": ["lead.captured"], **extra}, headers=admin.headers
    )


def test_a_subscribed_endpoint_gets_the_signed_cloudevent_and_the_log_shows_it(hooks):
    svc, got = hooks
    o = org(svc)
    created = subscribe(svc, o["admin"], got.url, description="ERP")
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    assert secret.startswith("whsec_")
    endpoint_id = created.json["id"]
    # The secret is shown once: never in the list or the endpoint itself.
    assert "secret" not in svc.client.get(f"{URL}/{endpoint_id}", headers=o["admin"].headers).json
    event = svc.event("lead.captured", captured())
    svc.deliver(event)
    assert svc.run_job("notifications-webhooks") == {"webhooks_tried": 1}
    [(path, headers, body)] = got.got
    assert path == "/hook" and headers["content-type"].startswith("application/cloudevents+json")
    signing.verify(secret, headers, body, now=int(time.time()))
    document = json.loads(body)
    assert document["id"] == event.id == headers["webhook-id"]
    assert document["type"] == "lead.captured" and document["specversion"] == "1.0"
    assert document["data"]["company"] == "上海某某科技有限公司"
    log = svc.client.get(f"{URL}/{endpoint_id}/deliveries", headers=o["admin"].headers).json
    [entry] = log["items"]
    assert entry["status"] == "sent" and entry["attempts"] == 1
    assert entry["tries"][0]["status_code"] == 200 and entry["tries"][0]["ok"] is True
    # The same event again is not sent twice; a replay by an admin is.
    svc.deliver(event)
    assert svc.run_job("notifications-webhooks") == {"webhooks_tried": 0}
    replay = svc.client.post(
        f"{URL}/{endpoint_id}/deliveries/{entry['id']}/replay", headers=o["admin"].headers
    )
    assert replay.status_code == 202
    svc.run_job("notifications-webhooks")
    assert len(got.got) == 2 and got.got[1][1]["webhook-id"] == event.id
    signing.verify(secret, got.got[1][1], got.got[1][2], now=int(time.time()))
    log = svc.client.get(f"{URL}/{endpoint_id}/deliveries", headers=o["admin"].headers).json
    assert log["items"][0]["attempts"] == 2


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"url": "http://hooks.example.com/in"}, "url", "https"),
        ({"url": "https://127.0.0.2/in"}, "url", "loopback"),
        ({"url": "https://[::ffff:10.0.0.1]/in"}, "url", "private"),
        ({"url": "https://2130706433/in"}, "url", "non-standard"),
        ({"url": "https://169.254.169.254/latest"}, "url", "metadata"),
        ({"url": "https://localhost/in"}, "url", "local"),
        ({"url": "https://u:p@hooks.example.com/"}, "url", "userinfo"),
        ({"event_types": ["lead.nope"]}, "event_types[0]", "unknown event type"),
        (
            {"filter": [{"field": "amount", "op": "gt", "value": 1}]},
            "filter[0].field",
            "no field 'amount'",
        ),
    ],
)
def test_bad_subscriptions_are_422_naming_the_problem_and_nothing_is_saved(
    hooks, body, field, words
):
    svc, got = hooks
    o = org(svc)
    payload = {"url": got.url, "event_types": ["lead.captured"], **body}
    answer = svc.client.post(URL, json=payload, headers=o["admin"].headers)
    assert answer.status_code == 422, answer.json
    [error] = answer.json["errors"]
    assert error["field"] == field and words in error["message"]
    assert svc.client.get(URL, headers=o["admin"].headers).json["items"] == []


def test_only_events_matching_the_filter_are_sent(hooks):
    svc, got = hooks
    o = org(svc)
    created = subscribe(
        svc,
        o["admin"],
        got.url,
        filter=[{"field": "source", "op": "in", "value": ["web", "wechat"]}],
    )
    assert created.status_code == 201
    svc.deliver(svc.event("lead.captured", captured(source="import")))
    svc.deliver(svc.event("lead.captured", captured(source="wechat")))
    svc.run_job("notifications-webhooks")
    assert [json.loads(b)["data"]["source"] for _, _, b in got.got] == ["wechat"]


def test_a_failing_receiver_is_retried_then_disabled_and_admins_told(hooks, monkeypatch):
    svc, got = hooks
    monkeypatch.setenv("CRM_NOTIFICATIONS_WEBHOOK_DISABLE_DAYS", "0")
    o = org(svc)
    endpoint_id = subscribe(svc, o["admin"], got.url).json["id"]
    got.status = 500
    svc.deliver(svc.event("lead.captured", captured()))
    svc.run_job("notifications-webhooks")
    [entry] = svc.client.get(f"{URL}/{endpoint_id}/deliveries", headers=o["admin"].headers).json[
        "items"
    ]
    assert entry["status"] == "pending" and entry["attempts"] == 1 and entry["last_status"] == 500
    svc.run_job("notifications-webhooks")
    endpoint = svc.client.get(f"{URL}/{endpoint_id}", headers=o["admin"].headers).json
    assert endpoint["enabled"] is False and "failing since" in endpoint["disabled_reason"]
    assert len(got.got) == 2
    bell = svc.client.get("/api/v1/notifications", headers=o["admin"].headers).json
    assert any(i["event_type"] == "notifications.channel_paused" for i in bell["items"])
    # Disabled: new events are not queued; re-enabling clears the failure.
    svc.deliver(svc.event("lead.captured", captured()))
    svc.run_job("notifications-webhooks")
    assert len(got.got) == 2
    again = svc.client.patch(
        f"{URL}/{endpoint_id}", json={"enabled": True}, headers=o["admin"].headers
    )
    assert again.json["enabled"] is True and again.json["failing_since"] is None


def test_webhooks_are_for_admins_only(hooks):
    svc, got = hooks
    o = org(svc)
    for user in (o["rep"], o["manager"]):
        assert svc.client.get(URL, headers=user.headers).status_code == 403
        assert subscribe(svc, user, got.url).status_code == 403


def test_the_allow_list_lets_an_on_premises_host_in(hooks, monkeypatch):
    svc, got = hooks
    monkeypatch.setenv("CRM_NOTIFICATIONS_OUTBOUND_ALLOW", "")
    o = org(svc)
    assert subscribe(svc, o["admin"], got.url).status_code == 422
    bad = svc.client.put(
        f"{URL}/allow-list", json={"items": [{"entry": "http://x/"}]}, headers=o["admin"].headers
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "items[0].entry"
    ok = svc.client.put(
        f"{URL}/allow-list",
        json={"items": [{"entry": "127.0.0.1", "note": "test"}]},
        headers=o["admin"].headers,
    )
    assert ok.status_code == 200
    assert [i["entry"] for i in ok.json["items"]] == ["127.0.0.1"]
    assert subscribe(svc, o["admin"], got.url).status_code == 201
