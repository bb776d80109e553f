"""Microsoft Teams incoming webhook (a Workflows "post to a channel when a webhook request
is received" URL, or a legacy Office 365 connector URL).

Posts an Adaptive Card inside a ``message`` attachment, the form both accept.
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

LIMIT = 24000  # Teams refuses messages over 28 KB


class TeamsAdapter:
    """Builds Teams Adaptive Card posts."""

    name = "teams"

    def build(self, message: ChatMessage, address: RobotAddress, now: float) -> RobotRequest:
        """An Adaptive Card 1.4: the title in bold, the text, and an Open button for the link."""
        text = message.markdown if message.markdown is not None else message.text
        card: dict[str, object] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {
                    "type": "TextBlock",
                    "text": message.title,
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                },
                {"type": "TextBlock", "text": truncate_utf8(text, LIMIT), "wrap": True},
            ],
        }
        if message.link:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open", "url": message.link}]
        return RobotRequest(
            address.url,
            {
                "type": "message",
                "attachments": [
                    {
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "contentUrl": None,
                        "content": card,
                    }
                ],
            },
        )

    def read(self, answer: http_delivery.Answer) -> RobotOutcome:
        """2xx (200 or 202) is delivered."""
        failed = http_outcome(answer)
        if failed is not None:
            return failed
        return RobotOutcome(True, False, answer.text(100) or "accepted", answer.status)


NAME = "teams"


def make(settings: dict[str, Any]) -> RegisteredRobot:
    """The teams channel (each user's or team's robot address comes from the preferences)."""
    return registered(TeamsAdapter(), settings)
