"""Reading an inbound email (RFC 822) with the standard library, and deciding
what it is: automated mail to ignore, a reply to a ticket, or a new request.

Pure: bytes in, a :class:`ParsedEmail` out; no I/O.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

TICKET_TOKEN = re.compile(r"\[TK:([0-9a-fA-F-]{32,36})\]")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


class NotAnEmail(ValueError):
    """The bytes are not an RFC 822 message we can take."""


@dataclass(frozen=True)
class Attachment:
    """A file carried by the message."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedEmail:
    """What the service desk needs of an inbound message."""

    sender: str
    sender_name: str
    subject: str
    body: str
    message_id: str | None
    references: tuple[str, ...]
    ticket_token: uuid.UUID | None
    automated_reason: str | None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def ticket_token(ticket_id: uuid.UUID) -> str:
    """The token put in the subject of mail about a ticket, so replies find it."""
    return f"[TK:{ticket_id}]"


def automated_reason(message: EmailMessage, own_domain: str | None) -> str | None:
    """Why a message is automated (an auto-reply, bulk mail, our own), or None.

    RFC 3834 ``Auto-Submitted`` other than ``no``; ``Precedence: bulk/junk/
    list``; the common ``X-Autoreply``/``X-Autorespond`` markers; and mail
    whose Message-ID carries our own domain (a loop through a relay).
    """
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if header in message and header != "X-Auto-Response-Suppress":
            return f"{header} present"
    message_id = str(message.get("Message-ID", "")).strip().lower()
    if own_domain and message_id.endswith(f"@{own_domain.lower()}>"):
        return "our own message came back"
    return None


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: keep what decodes
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return str(content).strip()


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        found.append(
            Attachment(
                filename=part.get_filename() or "attachment",
                content_type=part.get_content_type(),
                data=data,
            )
        )
    return tuple(found)


def parse_email(raw: bytes, *, own_domain: str | None = None) -> ParsedEmail:
    """Parse ``raw``; raise :class:`NotAnEmail` if it lacks a sender or any content."""
    if not raw.strip():
        raise NotAnEmail("the message is empty")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; anything it raises is malformed input
        raise NotAnEmail(f"not an RFC 822 message: {exc}") from exc
    assert isinstance(message, EmailMessage)
    if message.defects and not message.keys():
        raise NotAnEmail("not an RFC 822 message: no headers")
    senders = [(n, a) for n, a in getaddresses([str(message.get("From", ""))]) if "@" in a]
    if not senders:
        raise NotAnEmail("the message has no From address")
    name, address = senders[0]
    subject = str(message.get("Subject", "")).strip()
    body = _body(message)
    if not subject and not body:
        raise NotAnEmail("the message has neither a subject nor a body")
    references = tuple(
        MESSAGE_ID.findall(f"{message.get('In-Reply-To', '')} {message.get('References', '')}")
    )
    token_match = TICKET_TOKEN.search(subject)
    token = None
    if token_match:
        try:
            token = uuid.UUID(token_match.group(1))
        except ValueError:
            token = None
    message_id = MESSAGE_ID.search(str(message.get("Message-ID", "")))
    return ParsedEmail(
        sender=address.strip().lower(),
        sender_name=name.strip(),
        subject=TICKET_TOKEN.sub("", subject).strip() or "(no subject)",
        body=body,
        message_id=message_id.group(0) if message_id else None,
        references=references,
        ticket_token=token,
        automated_reason=automated_reason(message, own_domain),
        attachments=_attachments(message),
    )
