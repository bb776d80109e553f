"""Slack incoming webhook (``https://hooks.slack.com/services/…``).

Posts Block Kit (a header and an mrkdwn section) with ``text`` as the
notification fallback. Slack answers ``ok`` or an HTTP error with a reason
(``invalid_token``, ``channel_not_found`` …); 429 means slow down.
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
    http_outcome,
    registered,
    truncate_utf8,
)

TEXT_LIMIT = 3000  # a section block's text
HEADER_LIMIT = 150


class SlackAdapter:
    """Builds Slack incoming webhook posts."""

    name = "slack"

    def build(self, message: ChatMessage, address: RobotAddress, now: float) -> RobotRequest:
        """Block Kit with the title as header; mentions as ``<@U…>`` / ``<!channel>``."""
        body_text = message.markdown if message.markdown is not None else message.text
        if message.link:
            body_text += f"\n<{message.link}>"
        mentions = [f"<@{uid}>" for uid in address.mention_user_ids]
        if address.mention_all:
            mentions.append("<!channel>")
        if mentions:
            body_text += "\n" + " ".join(mentions)
        return RobotRequest(
            address.url,
            {
                "text": truncate_utf8(f"{message.title}: {message.text}", TEXT_LIMIT),
                "blocks": [
                    {
                        "type": "header",
                        "text": {
                            "type": "plain_text",
                            "text": truncate_utf8(message.title, HEADER_LIMIT),
                        },
                    },
                    {
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": truncate_utf8(body_text, TEXT_LIMIT)},
                    },
                ],
            },
        )

    def read(self, answer: http_delivery.Answer) -> RobotOutcome:
        """2xx is delivered; Slack's error text is kept for the log."""
        failed = http_outcome(answer)
        if failed is not None:
            return failed
        return RobotOutcome(True, False, answer.text(100) or "ok", answer.status)


NAME = "slack"


def make(settings: dict[str, Any]) -> RegisteredRobot:
    """The slack channel (each user's or team's robot address comes from the preferences)."""
    return registered(SlackAdapter(), settings)
