"""Chat robot payloads and signatures, with fixed vectors, and a post to a local robot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest

from notifications.channels import dingtalk, feishu
from notifications.channels.robot import ChatMessage, RobotAddress, RobotChannel, truncate_utf8
from notifications.channels.robots import ADAPTERS
from notifications.outbound.http_delivery import Answer, Policy
from notifications.rules.ssrf import AllowList

MSG = ChatMessage(
    title="线索已分配", text="客户 张三 的线索已分配给你", link="https://crm.example.com/leads/1"
)
MD = ChatMessage(title="线索已分配", text="plain", markdown="**张三** 的线索")
NOW = 1_700_000_000.123


def answer(status: int, body: bytes) -> Answer:
    return Answer(status, {}, body, False, "https://x", 1)


def test_dingtalk_signed_mode_matches_the_documented_construction() -> None:
    secret = "SEC000000000000000000000000000000000000000000000000000000000000000"
    assert dingtalk.sign(secret, 1700000000000) == "mphPIqgjGbRzHPELpWQPiram3BEkrp9g5J866J8sMcg%3D"
    digest = hmac.new(secret.encode(), f"1700000000000\n{secret}".encode(), hashlib.sha256).digest()
    assert dingtalk.sign(secret, 1700000000000) == quote_plus(base64.b64encode(digest))
    address = RobotAddress(
        url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret=secret,
        mention_mobiles=("13800000000",),
    )
    request = ADAPTERS["dingtalk"].build(MSG, address, NOW)
    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == ["1700000000123"]
    assert query["sign"] == [
        base64.b64encode(
            hmac.new(secret.encode(), f"1700000000123\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
    ]
    assert request.body["msgtype"] == "text"
    assert request.body["at"] == {"atMobiles": ["13800000000"], "atUserIds": [], "isAtAll": False}
    assert (
        "@13800000000" in request.body["text"]["content"]
        and "张三" in request.body["text"]["content"]
    )


def test_dingtalk_without_a_secret_leaves_the_url_alone_and_sends_markdown() -> None:
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    request = ADAPTERS["dingtalk"].build(MD, RobotAddress(url), NOW)
    assert request.url == url
    assert request.body["markdown"] == {
        "title": "线索已分配",
        "text": "### 线索已分配\n**张三** 的线索",
    }


def test_feishu_signed_mode_matches_the_documented_construction() -> None:
    assert feishu.sign("demo-secret", 1700000000) == "mYHw2R2SOm8Rw/sne3lQdmz4sOfntKR+1P/8RKKTwmA="
    request = ADAPTERS["feishu"].build(
        MSG,
        RobotAddress("https://open.feishu.cn/open-apis/bot/v2/hook/x", secret="demo-secret"),
        NOW,
    )
    assert request.body["timestamp"] == "1700000000"
    assert (
        request.body["sign"]
        == base64.b64encode(
            hmac.new(b"1700000000\ndemo-secret", b"", hashlib.sha256).digest()
        ).decode()
    )
    assert request.body["msg_type"] == "text" and "张三" in request.body["content"]["text"]
    card = ADAPTERS["feishu"].build(MD, RobotAddress("https://open.feishu.cn/x"), NOW).body
    assert card["msg_type"] == "interactive" and "sign" not in card
    assert card["card"]["elements"][0] == {"tag": "markdown", "content": "**张三** 的线索"}


def test_wecom_text_mentions_and_markdown() -> None:
    address = RobotAddress(
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        mention_user_ids=("wangwu",),
        mention_mobiles=("13900000000",),
        mention_all=True,
    )
    text = ADAPTERS["wecom"].build(MSG, address, NOW).body
    assert text["msgtype"] == "text"
    assert text["text"]["mentioned_list"] == ["wangwu", "@all"]
    assert text["text"]["mentioned_mobile_list"] == ["13900000000"]
    md = ADAPTERS["wecom"].build(MD, address, NOW).body
    assert md == {
        "msgtype": "markdown",
        "markdown": {"content": "**线索已分配**\n**张三** 的线索\n<@wangwu>"},
    }
    long = ChatMessage(title="t", text="中" * 2000)
    assert len(ADAPTERS["wecom"].build(long, address, NOW).body["text"]["content"].encode()) <= 2048


def test_slack_and_teams_payloads() -> None:
    slack = (
        ADAPTERS["slack"]
        .build(MSG, RobotAddress("https://hooks.slack.com/services/T/B/x", mention_all=True), NOW)
        .body
    )
    assert slack["text"].startswith("线索已分配: ")
    assert slack["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "线索已分配"},
    }
    assert slack["blocks"][1]["text"]["text"].endswith(
        "<https://crm.example.com/leads/1>\n<!channel>"
    )
    teams = (
        ADAPTERS["teams"]
        .build(MSG, RobotAddress("https://x.webhook.office.com/webhookb2/y"), NOW)
        .body
    )
    card = teams["attachments"][0]
    assert (
        teams["type"] == "message"
        and card["contentType"] == "application/vnd.microsoft.card.adaptive"
    )
    assert card["content"]["body"][0]["text"] == "线索已分配"
    assert card["content"]["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open", "url": MSG.link}
    ]


@pytest.mark.parametrize(
    ("name", "status", "body", "ok", "retryable"),
    [
        ("wecom", 200, b'{"errcode":0,"errmsg":"ok"}', True, False),
        ("wecom", 200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', False, True),
        ("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}', False, False),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', False, False),
        ("dingtalk", 200, b'{"errcode":130101,"errmsg":"send too fast"}', False, True),
        ("feishu", 200, b'{"code":0,"msg":"success","data":{}}', True, False),
        ("feishu", 200, b'{"StatusCode":0,"StatusMessage":"success"}', True, False),
        (
            "feishu",
            200,
            b'{"code":19021,"msg":"sign match fail or timestamp is not within one hour"}',
            False,
            False,
        ),
        ("slack", 200, b"ok", True, False),
        ("slack", 404, b"channel_not_found", False, False),
        ("slack", 429, b"rate_limited", False, True),
        ("teams", 202, b"", True, False),
        ("teams", 503, b"", False, True),
        ("wecom", 200, b"<html>", False, True),
    ],
)
def test_provider_answers_are_read(
    name: str, status: int, body: bytes, ok: bool, retryable: bool
) -> None:
    outcome = ADAPTERS[name].read(answer(status, body))
    assert (outcome.ok, outcome.retryable) == (ok, retryable)


def test_truncation_never_cuts_a_character() -> None:
    assert truncate_utf8("中文中文", 7) == "中…"
    assert truncate_utf8("abc", 3) == "abc"


class Robot(BaseHTTPRequestHandler):
    got: list[tuple[str, dict[str, object]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Robot.got.append((self.path, json.loads(body)))
        reply = b'{"errcode":0,"errmsg":"ok"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


@pytest.fixture
def robot() -> Iterator[int]:
    Robot.got = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_a_robot_channel_posts_over_the_checked_mechanism(robot: int) -> None:
    policy = Policy(allow=AllowList.parse(["127.0.0.1/32"]), require_https=False)
    channel = RobotChannel(ADAPTERS["dingtalk"], policy, clock=lambda: NOW)
    address = json.dumps(
        {"url": f"http://127.0.0.1:{robot}/robot/send?access_token=t", "secret": "SECabc"}
    )
    outcome = channel.deliver(MSG, address)
    assert outcome.ok, outcome.detail
    path, body = Robot.got[-1]
    assert "timestamp=1700000000123" in path and "sign=" in path
    assert body["msgtype"] == "text"
    # The same robot on a loopback address without the allow-list is refused, not retried.
    refused = RobotChannel(ADAPTERS["dingtalk"], Policy(require_https=False)).deliver(MSG, address)
    assert not refused.ok and not refused.retryable and "loopback" in refused.detail
    assert len(Robot.got) == 1
