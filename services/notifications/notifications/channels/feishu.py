"""Feishu (飞书) / Lark custom bot, including its signature check mode (签名校验).

In signed mode the body carries ``timestamp`` (seconds, as a string) and
``sign``: the base64 of HMAC-SHA256 keyed with ``"{timestamp}\\n{secret}"``
over an empty message (Feishu's documented, unusual construction).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from ..outbound import http_delivery
from .robot import (
    ChatMessage,
    RegisteredRobot,
    RobotAddress,
    RobotOutcome,
    RobotRequest,
    errcode_outcome,
    registered,
    truncate_utf8,
)

LIMIT = 18000  # the request body may not exceed 20 KB
# 11232: frequency limited; 9499: Feishu busy.
RETRY_CODES = frozenset({11232, 9499})


def sign(secret: str, timestamp: int) -> str:
    """Feishu's ``sign`` for ``timestamp`` (Unix seconds)."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


class FeishuAdapter:
    """Builds Feishu / Lark bot posts (``open.feishu.cn`` or ``open.larksuite.com``)."""

    name = "feishu"

    def build(self, message: ChatMessage, address: RobotAddress, now: float) -> RobotRequest:
        """An ``interactive`` card when the message has Markdown, otherwise ``text``."""
        mentions = [f'<at user_id="{uid}"></at>' for uid in address.mention_user_ids]
        if address.mention_all:
            mentions.append('<at user_id="all"></at>')
        body: dict[str, object]
        if message.markdown is not None:
            content = message.markdown
            if message.link:
                content += f"\n[{message.link}]({message.link})"
            if mentions:
                content += "\n" + " ".join(mentions)
            body = {
                "msg_type": "interactive",
                "card": {
                    "header": {"title": {"tag": "plain_text", "content": message.title}},
                    "elements": [{"tag": "markdown", "content": truncate_utf8(content, LIMIT)}],
                },
            }
        else:
            text = f"{message.title}\n{message.text}"
            if message.link:
                text += f"\n{message.link}"
            if mentions:
                text += "\n" + " ".join(mentions)
            body = {"msg_type": "text", "content": {"text": truncate_utf8(text, LIMIT)}}
        if address.secret:
            timestamp = int(now)
            body = {"timestamp": str(timestamp), "sign": sign(address.secret, timestamp), **body}
        return RobotRequest(address.url, body)

    def read(self, answer: http_delivery.Answer) -> RobotOutcome:
        """Feishu answers ``{"code": 0, "msg": "success"}`` (older bots: ``StatusCode``)."""
        return errcode_outcome(answer, ("code", "StatusCode"), RETRY_CODES)


NAME = "feishu"


def make(settings: dict[str, Any]) -> RegisteredRobot:
    """The feishu channel (each user's or team's robot address comes from the preferences)."""
    return registered(FeishuAdapter(), settings)
