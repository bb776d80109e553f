"""What every delivery channel is: a name and ``deliver(message, recipient_address)``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class OutboundMessage:
    """A message ready to go: rendered, in the recipient's language."""

    id: uuid.UUID
    recipient_id: uuid.UUID
    channel: str
    language: str
    subject: str
    text: str
    html: str
    event_type: str | None = None
    items: int = 1
    kind: str = "single"  # single | batch | digest


@dataclass(frozen=True)
class DeliveryResult:
    """What the other side answered; ``retryable`` False means trying again will not help."""

    ok: bool
    answer: str
    retryable: bool = True


class Channel(Protocol):
    """A way to reach people. One module per channel in this package (see ``registry``)."""

    name: str

    def deliver(self, message: OutboundMessage, recipient_address: str) -> DeliveryResult:
        """Send ``message`` to ``recipient_address``; never raises for a refusal."""
        ...


class ChannelFactory(Protocol):
    """Builds a channel from the service's settings (``Settings.extra``)."""

    def __call__(self, settings: dict[str, Any]) -> Channel | None: ...
