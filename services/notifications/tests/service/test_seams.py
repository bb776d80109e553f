"""The seams other capabilities plug into: a channel module, an extension's after_event hook."""

import types

import pytest

from notifications import channels, extensions
from notifications.channels import DeliveryResult

from .flow import lead_assigned, org

URL = "/api/v1/notifications"


@pytest.fixture
def pigeon(monkeypatch):
    """A channel module as a chat adapter would add one: NAME and make(settings)."""
    sent = []

    class Pigeon:
        name = "pigeon"

        def deliver(self, message, recipient_address):
            sent.append((recipient_address, message.subject, message.items))
            return DeliveryResult(True, "coo")

    module = types.SimpleNamespace(NAME="pigeon", make=lambda settings: Pigeon())
    real = channels._modules()
    monkeypatch.setattr(channels, "_modules", lambda: (*real, module))
    channels.channel_names.cache_clear()
    yield sent
    monkeypatch.undo()
    channels.channel_names.cache_clear()


def test_a_channel_module_gets_deliveries_batches_and_the_log(svc, pigeon):
    o = org(svc)
    chosen = svc.client.put(
        f"{URL}/preferences",
        json={
            "channels": {"lead.assigned": {"pigeon": True, "email": False}},
            "addresses": {"pigeon": "roof-3"},
        },
        headers=o["rep"].headers,
    )
    assert chosen.status_code == 200, chosen.json
    for _ in range(3):
        svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    svc.run_job("notifications-dispatch")
    assert pigeon == [("roof-3", "3 条线索分配", 3)]
    [logged] = svc.client.get(
        f"{URL}/messages", query_string={"channel": "pigeon"}, headers=o["admin"].headers
    ).json["items"]
    assert logged["status"] == "sent" and logged["last_answer"] == "coo"


def test_after_event_hooks_see_every_event_and_its_recipients(svc, monkeypatch):
    seen = []
    hook = types.SimpleNamespace(
        after_event=lambda session, event, recipients: seen.append((event.type, recipients)),
        event_types=lambda: ["deal.won"],
    )
    monkeypatch.setattr(extensions, "modules", lambda: (hook,))
    o = org(svc)
    event = svc.event("lead.assigned", lead_assigned(o["rep"]))
    svc.deliver(event)
    assert seen == [("lead.assigned", [o["rep"].id])]
    from notifications.events import handlers

    assert "deal.won" in handlers()


def test_pruning_keeps_recent_events_and_positions(svc):
    o = org(svc)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    assert svc.run_job("notifications-prune") == {"stream_entries": 0, "events": 0}
    assert svc.client.get(URL, headers=o["rep"].headers).json["unread"] == 1
