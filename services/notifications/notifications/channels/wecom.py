"""WeCom (企业微信) group robot: ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``.

Text messages mention by user id or mobile; Markdown messages carry the
mentions as ``<@userid>`` in the content. WeCom caps text at 2048 bytes and
Markdown at 4096; longer messages are cut rather than refused.
"""

from __future__ import annotations

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

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
# 45009: calls over the robot's rate (20 a minute); -1: WeCom busy.
RETRY_CODES = frozenset({45009, -1})


class WeComAdapter:
    """Builds WeCom group robot posts."""

    name = "wecom"

    def build(self, message: ChatMessage, address: RobotAddress, now: float) -> RobotRequest:
        """A ``markdown`` post when the message has Markdown, otherwise ``text``."""
        if message.markdown is not None:
            content = f"**{message.title}**\n{message.markdown}"
            if message.link:
                content += f"\n[{message.link}]({message.link})"
            mentions = " ".join(f"<@{uid}>" for uid in address.mention_user_ids)
            if mentions:
                content += "\n" + mentions
            return RobotRequest(
                address.url,
                {
                    "msgtype": "markdown",
                    "markdown": {"content": truncate_utf8(content, MARKDOWN_LIMIT)},
                },
            )
        content = f"{message.title}\n{message.text}"
        if message.link:
            content += f"\n{message.link}"
        text: dict[str, object] = {"content": truncate_utf8(content, TEXT_LIMIT)}
        users = list(address.mention_user_ids) + (["@all"] if address.mention_all else [])
        if users:
            text["mentioned_list"] = users
        if address.mention_mobiles:
            text["mentioned_mobile_list"] = list(address.mention_mobiles)
        return RobotRequest(address.url, {"msgtype": "text", "text": text})

    def read(self, answer: http_delivery.Answer) -> RobotOutcome:
        """WeCom answers ``{"errcode": 0, "errmsg": "ok"}``."""
        return errcode_outcome(answer, ("errcode",), RETRY_CODES)


NAME = "wecom"


def make(settings: dict[str, Any]) -> RegisteredRobot:
    """The wecom channel (each user's or team's robot address comes from the preferences)."""
    return registered(WeComAdapter(), settings)
