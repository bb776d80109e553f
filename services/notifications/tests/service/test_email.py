"""Service tests: email through a real local SMTP server; batches, retries, pauses, the log."""

import uuid

from .flow import lead_assigned, org, person

URL = "/api/v1/notifications"


def test_a_lead_assigned_is_emailed_in_the_owners_language(mail_svc):
    svc = mail_svc
    o = org(svc)
    svc.client.put(f"{URL}/preferences", json={"language": "en"}, headers=o["rep2"].headers)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"], previous=o["rep2"])))
    result = svc.run_job("notifications-dispatch")
    assert result == {"composed": 2, "tried": 2}
    [zh] = svc.sink.wait_for("rep@example.com")
    assert zh["Subject"] == "新线索分配给你"
    assert zh["Content-Language"] == "zh-CN"
    parts = {p.get_content_type(): p.get_content() for p in zh.iter_parts()}
    assert "请尽快跟进" in parts["text/plain"] and "<p>" in parts["text/html"]
    [en] = svc.sink.wait_for("rep2@example.com")
    assert en["Subject"] == "A lead was assigned to you"
    # Sent once: the job run again sends nothing more.
    assert svc.run_job("notifications-dispatch") == {"composed": 0, "tried": 0}
    assert len(svc.sink.messages) == 2
    log = svc.client.get(
        f"{URL}/messages",
        query_string={"recipient_id": str(o["rep"].id)},
        headers=o["admin"].headers,
    ).json["items"]
    assert [(m["channel"], m["status"], m["attempts"]) for m in log] == [("email", "sent", 1)]
    detail = svc.client.get(f"{URL}/messages/{log[0]['id']}", headers=o["admin"].headers).json
    assert detail["attempt_log"][0]["ok"] is True and "250" in detail["attempt_log"][0]["answer"]
    assert svc.client.get(f"{URL}/messages", headers=o["rep"].headers).status_code == 403


def test_a_flood_is_one_email_per_recipient(mail_svc):
    svc = mail_svc
    o = org(svc)
    for _ in range(120):
        svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    assert svc.run_job("notifications-dispatch") == {"composed": 1, "tried": 1}
    [mail] = svc.sink.wait_for("rep@example.com")
    assert mail["Subject"] == "120 条线索分配"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.count("新线索分配给你") == 50 and "另有 70 条" in text


def test_email_preferences_off_and_other_address(mail_svc):
    svc = mail_svc
    o = org(svc)
    off = svc.client.put(
        f"{URL}/preferences",
        json={"channels": {"lead.assigned": {"email": False}}},
        headers=o["rep"].headers,
    )
    assert off.status_code == 200 and off.json["channels"] == {"lead.assigned": {"email": False}}
    svc.client.put(
        f"{URL}/preferences",
        json={"addresses": {"email": "rep2-private@example.com"}},
        headers=o["rep2"].headers,
    )
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"], previous=o["rep2"])))
    svc.run_job("notifications-dispatch")
    assert svc.sink.wait_for("rep2-private@example.com")
    assert svc.sink.to("rep@example.com") == []
    # In-app still on for the rep.
    assert svc.client.get(URL, headers=o["rep"].headers).json["unread"] == 1


def test_a_failing_server_is_retried_then_the_channel_paused_and_admins_told(
    harness_factory, monkeypatch, smtp_sink
):
    from notifications.service import SERVICE

    environ = {
        "CRM_NOTIFICATIONS_BATCH_SECONDS": "0",
        "CRM_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "CRM_NOTIFICATIONS_SMTP_PORT": "1",  # nothing listens there
        "CRM_NOTIFICATIONS_SMTP_TIMEOUT": "2",
        "CRM_NOTIFICATIONS_RETRY_BASE_SECONDS": "0",
        "CRM_NOTIFICATIONS_RETRY_LIMIT": "3",
        "CRM_NOTIFICATIONS_PAUSE_AFTER": "3",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    svc = harness_factory(SERVICE, environ=environ)
    o = org(svc)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    for _ in range(3):
        svc.run_job("notifications-dispatch")
    [message] = svc.client.get(f"{URL}/messages", headers=o["admin"].headers).json["items"]
    assert message["status"] == "failed" and message["attempts"] == 3
    detail = svc.client.get(f"{URL}/messages/{message['id']}", headers=o["admin"].headers).json
    assert [a["number"] for a in detail["attempt_log"]] == [1, 2, 3]
    assert all(not a["ok"] and a["answer"] for a in detail["attempt_log"])
    channels = {
        c["channel"]: c
        for c in svc.client.get(f"{URL}/channels", headers=o["admin"].headers).json["items"]
    }
    assert channels["email"]["paused"] is True
    told = svc.client.get(URL, headers=o["admin"].headers).json["items"]
    assert [t["event_type"] for t in told] == ["notifications.channel_paused"]
    assert "email" in told[0]["title"]
    # While paused nothing is composed for the channel; an admin resumes it.
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    assert svc.run_job("notifications-dispatch") == {"composed": 0, "tried": 0}
    resumed = svc.client.post(f"{URL}/channels/email/resume", headers=o["admin"].headers)
    assert resumed.status_code == 200 and resumed.json["paused"] is False
    assert svc.run_job("notifications-dispatch")["composed"] == 1


def test_no_address_is_a_permanent_failure_logged(mail_svc):
    svc = mail_svc
    o = org(svc)
    ghost = person(svc, "ghost", email="")
    svc.deliver(svc.event("lead.assigned", lead_assigned(ghost)))
    svc.run_job("notifications-dispatch")
    [message] = svc.client.get(
        f"{URL}/messages", query_string={"recipient_id": str(ghost.id)}, headers=o["admin"].headers
    ).json["items"]
    assert message["status"] == "failed" and "no address" in message["last_answer"]
    assert uuid.UUID(message["id"])
