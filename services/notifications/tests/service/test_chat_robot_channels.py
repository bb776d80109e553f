"""Service test: a rep routes lead assignments to their team's DingTalk robot (a local one)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from . import receiver as receivers
from .flow import lead_assigned, org

URL = "/api/v1/notifications"


@pytest.fixture
def robot(monkeypatch):
    monkeypatch.setenv("CRM_NOTIFICATIONS_OUTBOUND_ALLOW", "127.0.0.1/32")
    got = receivers.start()
    got.reply = b'{"errcode":0,"errmsg":"ok"}'
    yield got
    got.close()


def test_a_teams_signed_dingtalk_robot_gets_the_batched_message(svc, robot):
    o = org(svc)
    address = {"url": f"http://127.0.0.1:{robot.port}/robot/send?access_token=t", "secret": "SECx"}
    chosen = svc.client.put(
        f"{URL}/preferences",
        json={
            "channels": {"lead.assigned": {"dingtalk": True, "email": False}},
            "addresses": {"dingtalk": json.dumps(address)},
        },
        headers=o["rep"].headers,
    )
    assert chosen.status_code == 200, chosen.json
    for _ in range(2):
        svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    svc.run_job("notifications-dispatch")
    [(path, _headers, body)] = robot.got
    query = parse_qs(urlsplit(path).query)
    assert query["access_token"] == ["t"] and query["timestamp"] and query["sign"]
    posted = json.loads(body)
    assert posted["msgtype"] == "text" and posted["text"]["content"].startswith("2 条线索分配")
    [logged] = svc.client.get(
        f"{URL}/messages", query_string={"channel": "dingtalk"}, headers=o["admin"].headers
    ).json["items"]
    assert logged["status"] == "sent"
