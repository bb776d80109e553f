"""Service tests: the live stream, preferences (quiet hours, digest, 422s), templates."""

import json
from datetime import UTC, datetime, timedelta

from notifications import dispatch
from notifications.service import SERVICE

from .flow import lead_assigned, org

URL = "/api/v1/notifications"


def _sse(text):
    events = []
    for block in text.split("\n\n"):
        fields = dict(
            line.split(": ", 1)
            for line in block.splitlines()
            if ": " in line and not line.startswith(":")
        )
        if "data" in fields:
            events.append((int(fields["id"]), json.loads(fields["data"])))
    return events


def test_the_stream_resumes_after_last_event_id(harness_factory, monkeypatch):
    environ = {
        "CRM_NOTIFICATIONS_STREAM_MAX_SECONDS": "1",
        "CRM_NOTIFICATIONS_STREAM_POLL_SECONDS": "0.05",
        "CRM_NOTIFICATIONS_FOLD_SECONDS": "0",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    svc = harness_factory(SERVICE, environ=environ)
    o = org(svc)
    for _ in range(3):
        svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep2"])))
    response = svc.client.get(f"{URL}/stream", headers={**o["rep"].headers, "Last-Event-ID": "0"})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    events = _sse(response.get_data(as_text=True))
    assert len(events) == 3  # the rep's own, not rep2's
    assert all(e["event_type"] == "lead.assigned" and e["unread"] for _, e in events)
    ids = [i for i, _ in events]
    again = svc.client.get(
        f"{URL}/stream", headers={**o["rep"].headers, "Last-Event-ID": str(ids[0])}
    )
    assert [i for i, _ in _sse(again.get_data(as_text=True))] == ids[1:]
    # Without Last-Event-ID it starts at now: nothing old is replayed.
    fresh = svc.client.get(f"{URL}/stream", headers=o["rep"].headers)
    assert _sse(fresh.get_data(as_text=True)) == []


def test_preferences_refuse_unknown_event_types_and_bad_values(svc):
    o = org(svc)
    headers = o["rep"].headers
    before = svc.client.get(f"{URL}/preferences", headers=headers).json
    assert before["language"] == "zh-CN" and before["timezone"] == "Asia/Shanghai"
    assert before["account_email"] == "rep@example.com"
    for body, field in (
        ({"channels": {"lead.exploded": {"email": False}}}, "channels.lead.exploded"),
        ({"channels": {"lead.assigned": {"pigeon": True}}}, "channels.lead.assigned.pigeon"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"quiet_start": "25:00", "quiet_end": "08:00"}, "quiet_start"),
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"language": "fr"}, "language"),
    ):
        response = svc.client.put(f"{URL}/preferences", json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in [e["field"] for e in response.json["errors"]], response.json
    assert svc.client.get(f"{URL}/preferences", headers=headers).json == before


def test_quiet_hours_hold_email_and_digest_waits(mail_svc):
    svc = mail_svc
    o = org(svc)
    # Quiet all day but one minute: whatever the clock says now, email is held.
    svc.client.put(
        f"{URL}/preferences",
        json={"quiet_start": "00:00", "quiet_end": "23:59", "timezone": "Asia/Shanghai"},
        headers=o["rep"].headers,
    )
    svc.client.put(f"{URL}/preferences", json={"digest": True}, headers=o["rep2"].headers)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"], previous=o["rep2"])))
    assert svc.run_job("notifications-dispatch") == {"composed": 0, "tried": 0}
    assert svc.sink.messages == []
    # In-app is never held.
    assert svc.client.get(URL, headers=o["rep"].headers).json["unread"] == 1
    assert svc.client.get(URL, headers=o["rep2"].headers).json["unread"] == 1
    # Two days on, both are due: the quiet one as it was, the digest as a digest.
    later = datetime.now(UTC) + timedelta(days=2)
    with svc.db.transaction() as session:
        assert dispatch.compose(session, svc.settings.extra, now=later) == 2
    assert dispatch.send_due(svc.db, svc.settings.extra, now=later) == 2
    assert [m["Subject"] for m in svc.sink.wait_for("rep@example.com")] == ["新线索分配给你"]
    assert svc.sink.wait_for("rep2@example.com")
    kinds = {
        m["recipient_id"]: m["kind"]
        for m in svc.client.get(f"{URL}/messages", headers=o["admin"].headers).json["items"]
    }
    assert kinds == {str(o["rep"].id): "single", str(o["rep2"].id): "digest"}


def test_templates_are_checked_previewed_and_never_drop_a_message(svc):
    o = org(svc)
    admin = o["admin"].headers
    event = svc.event("lead.assigned", lead_assigned(o["rep"], previous=o["rep2"]))
    svc.deliver(event)
    bad = svc.client.put(
        f"{URL}/templates/lead.assigned/zh-CN",
        json={"subject": "{{ owner_id ", "text": "x"},
        headers=admin,
    )
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "subject"
    broken = svc.client.put(
        f"{URL}/templates/lead.assigned/zh-CN",
        json={"subject": "线索 {{ lead_id }}", "text": "{{ 1 / 0 }}"},
        headers=admin,
    )
    assert broken.status_code == 422 and "ZeroDivisionError" in broken.json["errors"][0]["message"]
    preview = svc.client.post(
        f"{URL}/templates/lead.assigned/zh-CN/preview",
        json={"subject": "线索 {{ lead_id }} 归你了", "text": "方式 {{ method }}"},
        headers=admin,
    )
    assert preview.status_code == 200, preview.json
    assert preview.json["subject"] == f"线索 {event.data['lead_id']} 归你了"
    assert preview.json["event_id"] == event.id
    saved = svc.client.put(
        f"{URL}/templates/lead.assigned/zh-CN",
        json={"subject": "线索 {{ lead_id }} 归你了", "text": "方式 {{ method }}"},
        headers=admin,
    )
    assert saved.status_code == 200
    assert (
        svc.client.put(
            f"{URL}/templates/lead.assigned/zh-CN",
            json={"subject": "x", "text": "y"},
            headers=o["rep"].headers,
        ).status_code
        == 403
    )
    # A template failing on some event's data (saved when it rendered on another)
    # still delivers: the fallback text, and the error shown to admins.
    fragile = svc.client.put(
        f"{URL}/templates/lead.assigned/zh-CN",
        json={"subject": "{{ previous_owner_id.upper() }}", "text": "t"},
        headers=admin,
    )
    assert fragile.status_code == 200, fragile.json
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["manager"])))
    [entry] = svc.client.get(URL, headers=o["manager"].headers).json["items"]
    assert entry["title"] == "线索分配"  # the fallback: the event type's name
    [template] = svc.client.get(
        f"{URL}/templates", query_string={"event_type": "lead.assigned"}, headers=admin
    ).json["items"][1:]
    assert template["language"] == "zh-CN" and "upper" in (template["last_error"] or "")
