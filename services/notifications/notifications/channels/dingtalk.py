"""DingTalk (钉钉) custom robot, including its signed-secret mode (加签).

In signed mode the webhook URL gets ``timestamp`` (milliseconds) and ``sign``
query parameters: ``sign`` is the URL-encoded base64 of HMAC-SHA256, keyed
with the secret (``SEC…``), of ``"{timestamp}\\n{secret}"``. DingTalk refuses a
timestamp more than an hour from its clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote_plus

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

LIMIT = 20000
# 130101: sending too fast (20 a minute); -1: DingTalk busy.
RETRY_CODES = frozenset({130101, -1})


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` parameter (already URL-encoded) for ``timestamp_ms``."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with the ``timestamp`` and ``sign`` parameters of signed mode appended."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


class DingTalkAdapter:
    """Builds DingTalk robot posts."""

    name = "dingtalk"

    def build(self, message: ChatMessage, address: RobotAddress, now: float) -> RobotRequest:
        """A ``markdown`` or ``text`` post, signed when the robot has a secret."""
        at = {
            "atMobiles": list(address.mention_mobiles),
            "atUserIds": list(address.mention_user_ids),
            "isAtAll": address.mention_all,
        }
        # DingTalk only notifies people whose @mobile also appears in the text.
        mentions = " ".join(f"@{m}" for m in address.mention_mobiles)
        body: dict[str, object]
        if message.markdown is not None:
            text = f"### {message.title}\n{message.markdown}"
            if message.link:
                text += f"\n\n[{message.link}]({message.link})"
            if mentions:
                text += "\n\n" + mentions
            body = {
                "msgtype": "markdown",
                "markdown": {"title": message.title, "text": truncate_utf8(text, LIMIT)},
                "at": at,
            }
        else:
            text = f"{message.title}\n{message.text}"
            if message.link:
                text += f"\n{message.link}"
            if mentions:
                text += "\n" + mentions
            body = {"msgtype": "text", "text": {"content": truncate_utf8(text, LIMIT)}, "at": at}
        url = address.url
        if address.secret:
            url = signed_url(url, address.secret, int(now * 1000))
        return RobotRequest(url, body)

    def read(self, answer: http_delivery.Answer) -> RobotOutcome:
        """DingTalk answers ``{"errcode": 0, "errmsg": "ok"}``."""
        return errcode_outcome(answer, ("errcode",), RETRY_CODES)


NAME = "dingtalk"


def make(settings: dict[str, Any]) -> RegisteredRobot:
    """The dingtalk channel (each user's or team's robot address comes from the preferences)."""
    return registered(DingTalkAdapter(), settings)
