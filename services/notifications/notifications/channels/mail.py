"""Email over SMTP (stdlib ``smtplib``): multipart text and HTML, STARTTLS or TLS."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from .base import DeliveryResult, OutboundMessage

NAME = "email"


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over."""

    host: str
    port: int
    security: str  # none | starttls | tls
    username: str | None
    password: str | None
    sender: str
    timeout: float
    # A CA bundle to trust instead of the system's (a relay with a private CA).
    ca_file: str | None = None

    def tls_context(self) -> ssl.SSLContext:
        """Certificates and the host name are always checked; only the trusted CAs vary."""
        return ssl.create_default_context(cafile=self.ca_file or None)


class EmailChannel:
    """Sends each message as one email to one address."""

    name = NAME

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp

    def compose(self, message: OutboundMessage, address: str) -> EmailMessage:
        """The email: plain text first, the HTML alternative after it."""
        mail = EmailMessage()
        mail["From"] = self.smtp.sender
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=message.id.hex, domain="crm.local")
        mail["X-CRM-Message-Id"] = str(message.id)
        mail.set_content(message.text or message.subject)
        mail.add_alternative(message.html, subtype="html")
        # After the body: setting the content resets the Content-* headers.
        mail["Content-Language"] = message.language
        return mail

    def deliver(self, message: OutboundMessage, recipient_address: str) -> DeliveryResult:
        """Hand the email to the SMTP server; a 5xx refusal is permanent, the rest retried."""
        s = self.smtp
        try:
            if s.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=s.tls_context()
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with client:
                if s.security == "starttls":
                    client.starttls(context=s.tls_context())
                if s.username:
                    client.login(s.username, s.password or "")
                refused = client.send_message(self.compose(message, recipient_address))
        except smtplib.SMTPRecipientsRefused as exc:
            return DeliveryResult(False, f"recipient refused: {exc.recipients}"[:1000], False)
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            return DeliveryResult(False, f"{exc.smtp_code} {text}"[:1000], exc.smtp_code < 500)
        except (smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(False, f"{type(exc).__name__}: {exc}"[:1000], True)
        if refused:
            return DeliveryResult(False, f"recipient refused: {refused}"[:1000], False)
        return DeliveryResult(True, f"250 accepted by {s.host}:{s.port}")


def make(settings: dict[str, Any]) -> EmailChannel | None:
    """The email channel, when an SMTP host is configured."""
    host = str(settings.get("smtp_host") or "")
    if not host:
        return None
    port = int(settings.get("smtp_port") or 25)
    name, _, given = host.rpartition(":")
    if name and given.isdigit():  # "host:port" in the one setting
        host, port = name, int(given)
    return EmailChannel(
        SmtpSettings(
            host=host,
            port=port,
            security=settings.get("smtp_security") or "none",
            username=settings.get("smtp_username") or None,
            password=settings.get("smtp_password") or None,
            sender=settings.get("smtp_from") or "CRM <crm@localhost>",
            timeout=float(settings.get("smtp_timeout") or 10),
            ca_file=settings.get("smtp_ca_file") or None,
        )
    )
