"""Outbound webhooks through the gateway, every service a real process on PostgreSQL and RabbitMQ.

An admin subscribes a local receiver (an allow-listed loopback HTTP server in
this test process) to ``lead.captured``; capturing a lead makes the receiver
get the CloudEvent, signed per Standard Webhooks with the secret shown once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.outbound import signing

from .conftest import ADMIN_PASSWORD, System, _running, eventually

pytestmark = pytest.mark.e2e
W = "/api/v1/webhooks"


class _Receiver:
    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/crm-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    yield found
    found.close()


@pytest.fixture(scope="module")
def hooks_system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[System]:
    extra = {
        "CRM_WEB_DB_POOL_SIZE": "1",
        "CRM_WORKER_DB_POOL_SIZE": "1",
        # The receiver is on loopback: the deployment allow-lists it.
        "CRM_NOTIFICATIONS_OUTBOUND_ALLOW": "127.0.0.1/32",
        "CRM_NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS": "1",
    }
    yield from _running(request, tmp_path_factory, "processes", offset=700, extra=extra)


def test_a_subscribed_receiver_gets_a_signed_cloudevent_of_a_captured_lead(
    hooks_system: System, receiver: _Receiver
) -> None:
    system = hooks_system
    admin = system.token("admin", ADMIN_PASSWORD)
    refused = system.call(
        "POST", W, admin, json={"url": "https://10.0.0.8/in", "event_types": ["lead.captured"]}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url"
    created = system.call(
        "POST",
        W,
        admin,
        json={"url": receiver.url, "event_types": ["lead.captured"], "description": "ERP"},
    )
    assert created.status_code == 201, created.text
    secret, endpoint_id = created.json()["secret"], created.json()["id"]

    lead = system.call(
        "POST",
        "/api/v1/leads",
        admin,
        json={"name": "王五", "company": "杭州某某贸易有限公司", "source": "web"},
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]

    def arrived():
        for headers, body in receiver.got:
            document = json.loads(body)
            if document["type"] == "lead.captured" and document["data"]["lead_id"] == lead_id:
                return headers, body, document
        return None

    headers, body, document = eventually(arrived, timeout=120)
    signing.verify(secret, headers, body, now=int(time.time()))
    assert headers["webhook-id"] == document["id"]
    assert headers["content-type"].startswith("application/cloudevents+json")
    assert document["specversion"] == "1.0" and document["source"]
    assert document["data"]["company"] == "杭州某某贸易有限公司"

    def logged():
        items = system.call("GET", f"{W}/{endpoint_id}/deliveries", admin).json()["items"]
        return [i for i in items if i["event_id"] == document["id"] and i["status"] == "sent"]

    [entry] = eventually(logged, timeout=60)
    assert entry["tries"][0]["status_code"] == 204
