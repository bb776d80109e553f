"""A real SMTP server on a local port that keeps what it receives (``smtp_sink``)."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from .servers import free_port


class SmtpSink:
    """An ``aiosmtpd`` server in a thread; ``messages`` are the parsed emails it accepted."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()
        self.host = host
        self.port = port or free_port(host)
        self._controller = Controller(self, hostname=host, port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook: keep the message, answer 250."""
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpSink:
        """Listen."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to ``address``."""
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 60.0) -> list[EmailMessage]:
        """Wait until ``count`` messages reached ``address``; the ones that did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        return self.to(address)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A local SMTP server for the test; read what it received from ``.messages``."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
