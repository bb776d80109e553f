"""Notifications through the gateway, every service a real process (and embedded).

A manager assigns a lead to a rep; the rep sees the notification in their
list and on the live stream (server-sent events through the gateway,
resumed with Last-Event-ID), and the email arrives at a real SMTP server.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import requests

from crm_shared.testing import SmtpSink

from .conftest import ADMIN_PASSWORD, System, _running, eventually

pytestmark = pytest.mark.e2e
N = "/api/v1/notifications"


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=["processes", "embedded"])
def notif_system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sink: SmtpSink
) -> Iterator[System]:
    extra = {
        "CRM_WEB_DB_POOL_SIZE": "1",
        "CRM_WORKER_DB_POOL_SIZE": "1",
        # One setting carries host and port: the runner clears CRM_*_PORT variables.
        "CRM_NOTIFICATIONS_SMTP_HOST": f"{sink.host}:{sink.port}",
        "CRM_NOTIFICATIONS_BATCH_SECONDS": "1",
        "CRM_NOTIFICATIONS_DISPATCH_SECONDS": "0.5",
        # Longer than the client waits: an event only arrives if the gateway
        # relays the stream as it comes instead of buffering the whole body.
        "CRM_NOTIFICATIONS_STREAM_MAX_SECONDS": "600",
        "CRM_NOTIFICATIONS_STREAM_POLL_SECONDS": "0.2",
    }
    yield from _running(request, tmp_path_factory, request.param, offset=600, extra=extra)


@pytest.fixture(scope="module")
def crew(notif_system: System) -> dict[str, dict[str, str]]:
    system = notif_system
    admin = system.token("admin", ADMIN_PASSWORD)
    suffix = uuid.uuid4().hex[:6]
    team = system.call("POST", "/api/v1/teams", admin, json={"name": f"通知 {suffix}"})
    assert team.status_code == 201, team.text
    people = {"admin": {"token": admin}}
    for name, roles in (("manager", ["manager"]), ("rep", ["rep"])):
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
                "email": f"{username}@example.com",
            },
        )
        assert created.status_code == 201, created.text
        people[name] = {
            "token": system.token(username, "a-long-password"),
            "id": created.json()["id"],
            "email": f"{username}@example.com",
        }
    managed = system.call(
        "PATCH",
        f"/api/v1/teams/{team.json()['id']}",
        admin,
        json={"manager_id": people["manager"]["id"]},
    )
    assert managed.status_code == 200, managed.text
    return people


def _stream_events(system: System, token: str, last_event_id: str) -> list[dict]:
    """Read the stream through the gateway until its first notification event."""
    response = requests.get(
        system.base_url + f"{N}/stream",
        headers={"Authorization": f"Bearer {token}", "Last-Event-ID": last_event_id},
        stream=True,
        timeout=(10, 60),
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/event-stream")
    found: list[dict] = []
    current: dict[str, str] = {}
    try:
        for raw in response.iter_lines(decode_unicode=True):
            if raw is None:
                continue
            if raw == "":
                if "data" in current:
                    found.append({"id": current.get("id"), **json.loads(current["data"])})
                    break
                current = {}
                continue
            if raw.startswith(":"):
                continue
            key, _, value = raw.partition(": ")
            current[key] = value
    finally:
        response.close()
    return found


def test_a_lead_assigned_reaches_the_rep_in_app_on_the_stream_and_by_email(
    notif_system: System, crew, sink: SmtpSink
) -> None:
    system = notif_system
    manager, rep = crew["manager"], crew["rep"]
    lead = system.call(
        "POST", "/api/v1/leads", manager["token"], json={"name": "通知测试线索", "source": "web"}
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]

    def assigned():
        answer = system.call(
            "POST",
            f"/api/v1/leads/{lead_id}/assign",
            manager["token"],
            json={"owner_id": rep["id"], "reason": "华东区域"},
        )
        return answer.status_code == 200

    eventually(assigned, timeout=60)

    def listed():
        body = system.call("GET", N, rep["token"]).json()
        return [i for i in body["items"] if i["event_type"] == "lead.assigned"]

    [entry] = eventually(listed, timeout=90)
    assert entry["title"] == "新线索分配给你" and entry["unread"] is True
    assert entry["link"] == f"/leads/{lead_id}"
    # The manager's list stays empty: they assigned it.
    assert system.call("GET", N, manager["token"]).json()["items"] == []

    # The live stream through the gateway replays it after Last-Event-ID 0.
    [streamed] = _stream_events(system, rep["token"], "0")
    assert streamed["id"] == entry["id"] or streamed["event_id"] == entry["event_id"]
    assert streamed["event_type"] == "lead.assigned"

    # And the email reached the SMTP server, in Chinese.
    mails = sink.wait_for(rep["email"], timeout=90)
    assert [m["Subject"] for m in mails] == ["新线索分配给你"]
    body = mails[0].get_body(preferencelist=("plain",)).get_content()
    assert "请尽快跟进" in body

    # Marked read, it stays in the list behind the unread ones.
    read = system.call("POST", f"{N}/{entry['id']}/read", rep["token"])
    assert read.status_code == 200 and read.json()["unread"] is False
    assert system.call("GET", f"{N}/unread-count", rep["token"]).json() == {"unread": 0}
    # Nobody marks someone else's.
    assert system.call("POST", f"{N}/{entry['id']}/read", manager["token"]).status_code == 404


def test_the_admin_sees_the_delivery_log(notif_system: System, crew, sink: SmtpSink) -> None:
    system = notif_system
    admin, rep = crew["admin"]["token"], crew["rep"]

    def sent():
        items = system.call(
            "GET", f"{N}/messages", admin, params={"recipient_id": rep["id"]}
        ).json()["items"]
        return [m for m in items if m["status"] == "sent"]

    [message] = eventually(sent, timeout=60)
    assert message["channel"] == "email" and message["attempts"] == 1
    bad = system.call(
        "PUT",
        f"{N}/preferences",
        rep["token"],
        json={"channels": {"lead.nonsense": {"email": False}}},
    )
    assert bad.status_code == 422
