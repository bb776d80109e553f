"""Service tests: email over STARTTLS and implicit TLS to a real local aiosmtpd server.

The server's certificate is self-signed, made here; the service trusts it
through ``CRM_NOTIFICATIONS_SMTP_CA_FILE``. The server records, per message,
whether the session it arrived on was encrypted, so a test proves the
message travelled over TLS, not only that it arrived.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from crm_shared.testing import free_port
from notifications.service import SERVICE

from .flow import lead_assigned, org

HOST = "127.0.0.1"


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crm-test-smtp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp.crt", directory / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TlsSink:
    """An aiosmtpd server speaking STARTTLS (required) or implicit TLS."""

    def __init__(self, mode: str, cert_file: Path, key_file: Path) -> None:
        from aiosmtpd.controller import Controller

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        self.port = free_port(HOST)
        self.got: list[tuple[bool, email.message.EmailMessage]] = []
        # STARTTLS required before MAIL, or TLS from the first byte.
        kwargs: dict[str, Any] = (
            {"tls_context": context, "require_starttls": True}
            if mode == "starttls"
            else {"ssl_context": context}
        )
        self.controller = Controller(self, hostname=HOST, port=self.port, **kwargs)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message and whether the connection it came over was encrypted."""
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        tls = server.transport.get_extra_info("ssl_object")
        self.got.append((tls is not None and tls.version() is not None, parsed))
        return "250 accepted"


@pytest.fixture(params=["starttls", "tls"])
def tls_mail(request, tmp_path, harness_factory, monkeypatch) -> Iterator[Any]:
    cert_file, key_file = self_signed(tmp_path)
    sink = TlsSink(request.param, cert_file, key_file)
    sink.controller.start()
    environ = {
        "CRM_NOTIFICATIONS_BATCH_SECONDS": "0",
        "CRM_NOTIFICATIONS_SMTP_HOST": HOST,
        "CRM_NOTIFICATIONS_SMTP_PORT": str(sink.port),
        "CRM_NOTIFICATIONS_SMTP_SECURITY": request.param,
        "CRM_NOTIFICATIONS_SMTP_CA_FILE": str(cert_file),
        "CRM_NOTIFICATIONS_RETRY_BASE_SECONDS": "0",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    harness = harness_factory(SERVICE, environ=environ)
    harness.sink = sink
    harness.mode = request.param
    yield harness
    sink.controller.stop()


def test_the_email_arrives_over_an_encrypted_channel(tls_mail):
    svc = tls_mail
    o = org(svc)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    assert svc.run_job("notifications-dispatch") == {"composed": 1, "tried": 1}
    [(encrypted, mail)] = svc.sink.got
    assert encrypted is True, f"{svc.mode}: the message came over a plain session"
    assert mail["To"] == "rep@example.com" and mail["Subject"] == "新线索分配给你"


def test_a_certificate_the_service_does_not_trust_is_refused_and_retried(
    tls_mail, monkeypatch, tmp_path
):
    svc = tls_mail
    # Another CA than the server's: the handshake fails, nothing is sent in clear.
    (tmp_path / "other").mkdir()
    other, _key = self_signed(tmp_path / "other")
    svc.settings.extra["smtp_ca_file"] = str(other)
    o = org(svc)
    svc.deliver(svc.event("lead.assigned", lead_assigned(o["rep"])))
    svc.run_job("notifications-dispatch")
    assert svc.sink.got == []
    log = svc.client.get(
        "/api/v1/notifications/messages",
        query_string={"recipient_id": str(o["rep"].id)},
        headers=o["admin"].headers,
    ).json["items"]
    [message] = log
    assert message["status"] == "pending" and message["attempts"] == 1
    assert "CERTIFICATE_VERIFY_FAILED" in (message.get("last_answer") or "")
